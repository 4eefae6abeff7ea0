/**
 * The admin UI's live tail of one channel. The page asks for a tail token
 * (`POST <prefix>/admin/tail` `{"channel"}`, with its session token) and
 * connects with the `centrifuge` SDK to the admin WebSocket endpoint
 * `<prefix>/admin/connection/websocket`, which speaks the client protocol
 * but admits only:
 *
 * - upgrades from the page's own origin (no Origin header, or one whose
 *   host is the request's Host), whatever `client.allowed_origins` says,
 *   since the admin origin is not a client origin;
 * - connections presenting a tail token (AdminTailTransport makes the
 *   authenticator require one): they are subscribed server-side to the
 *   token's channel, without presence or join/leave.
 *
 * A client on `/connection/websocket` cannot present a tail token (it is not
 * a JWT), and a tail connection holds no rights beyond that one channel and
 * an anonymous client's; see shards/access/authenticator.ts.
 */
import { ADMIN_TAIL_TTL_MS, signAdminToken } from '../auth/admin-token';
import type { Config } from '../config/types';
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { Connection } from '../shards/session/connection';
import { AdminTailTransport } from '../shards/session/transport';
import type { WebSocketEndpoint } from '../transports/websocket';

/** The tail's WebSocket path under the admin prefix. */
export const TAIL_PATH = '/admin/connection/websocket';

/** Whether an upgrade comes from the page's own origin: no Origin header, or one naming the request's Host. */
export function sameOrigin(origin: string, host: string): boolean {
  if (origin === '') return true;
  try {
    return host !== '' && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/** The tail's WebSocket endpoint under `prefix`. */
export function tailEndpoint(prefix: string): WebSocketEndpoint {
  return { path: prefix + TAIL_PATH, originAllowed: sameOrigin, transport: (ws) => new AdminTailTransport<Connection>(ws) };
}

/** `{"channel"}` → `{token, endpoint, channel}`: a tail token for the channel and the path to connect to. */
export function issueTail(config: Config, prefix: string, params: Readonly<Record<string, unknown>>): unknown {
  const channel = params['channel'];
  if (typeof channel !== 'string' || channel === '') throw new ReplyError(Errors.badRequest, 'channel required');
  if (Buffer.byteLength(channel) > config.channel.max_length) {
    throw new ReplyError(Errors.badRequest, `channel is longer than channel.max_length (${config.channel.max_length} bytes)`);
  }
  return { token: signAdminToken(config.admin.secret, 'tail', ADMIN_TAIL_TTL_MS, channel), endpoint: prefix + TAIL_PATH, channel };
}
