/**
 * The part of Centrifugo's JSON protocol (v2) the baseline servers speak, so
 * the load generator drives them exactly as it drives switchyard. Only the
 * framing is implemented: connect and subscribe get minimal replies, client
 * `publish` and the HTTP `publish`/`batch` API publish, `{}` (a pong) is
 * ignored. There are no permissions, tokens, pings, ownership or batching of
 * replies. A publication goes out as the same bytes switchyard sends:
 * `{"push":{"channel":"…","pub":{"data":…}}}`.
 */

/** The WebSocket path of the client protocol (switchyard's too). */
export const WEBSOCKET_PATH = '/connection/websocket';
/** Largest client frame the baselines accept, bytes (switchyard's default websocket.message_size_limit). */
export const MAX_FRAME_BYTES = 65_536;
/**
 * Bytes a baseline buffers for one socket before closing it: what switchyard
 * configures for uWS by default (2 × client.queue_max_size + 64 KiB), so
 * neither side skips publications silently.
 */
export const MAX_BACKPRESSURE_BYTES = 2 * 1_048_576 + 65_536;

/** One publication to fan out: the channel and the data as JSON text. */
export interface Publication {
  readonly channel: string;
  readonly data: string;
}

/** What a baseline does for the commands of one connection. */
export interface ConnectionActions {
  /** Adds the connection to the channel's subscribers. */
  subscribe(channel: string): void;
  /** Fans a publication out to the channel's subscribers. */
  publish(publication: Publication): void;
  /** Sends one text frame to this connection. */
  reply(text: string): void;
}

/** The push frame of a publication, byte for byte as switchyard encodes it (no info, offset or tags). */
export function pushFrame(publication: Publication): string {
  return `{"push":{"channel":${JSON.stringify(publication.channel)},"pub":{"data":${publication.data}}}}`;
}

let nextClientId = 1;

/** Handles one client text frame (newline-joined commands); replies go out joined in one frame. */
export function handleClientFrame(text: string, actions: ConnectionActions): void {
  const replies: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let command: Record<string, unknown>;
    try {
      command = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const id = typeof command['id'] === 'number' ? command['id'] : 0;
    if (command['connect'] !== undefined) {
      replies.push(`{"id":${id},"connect":{"client":"${nextClientId++}","version":"baseline"}}`);
    } else if (isObject(command['subscribe']) && typeof command['subscribe']['channel'] === 'string') {
      actions.subscribe(command['subscribe']['channel']);
      replies.push(`{"id":${id},"subscribe":{}}`);
    } else if (isObject(command['publish']) && typeof command['publish']['channel'] === 'string') {
      actions.publish({ channel: command['publish']['channel'], data: JSON.stringify(command['publish']['data'] ?? null) });
      replies.push(`{"id":${id},"publish":{}}`);
    }
    // Anything else (the `{}` pong included) gets no answer.
  }
  if (replies.length > 0) actions.reply(replies.join('\n'));
}

/** An HTTP API answer: status line and JSON body. */
export interface ApiAnswer {
  readonly status: string;
  readonly body: string;
  readonly publications: readonly Publication[];
}

/** Turns an API request (`/api/publish` or `/api/batch`) into publications and the answer to send. */
export function handleApiRequest(method: string, apiKey: string, expectedKey: string, body: string): ApiAnswer {
  if (apiKey !== expectedKey) return { status: '401 Unauthorized', body: '{"error":{"code":101,"message":"unauthorized"}}', publications: [] };
  let params: unknown;
  try {
    params = JSON.parse(body);
  } catch {
    return { status: '400 Bad Request', body: '{"error":{"code":107,"message":"bad request"}}', publications: [] };
  }
  if (method === 'publish' && isObject(params) && typeof params['channel'] === 'string') {
    return { status: '200 OK', body: '{"result":{}}', publications: [toPublication(params)] };
  }
  if (method === 'batch' && isObject(params) && Array.isArray(params['commands'])) {
    const publications = params['commands'].filter((c): c is { publish: Record<string, unknown> } => isObject(c) && isObject(c['publish'])).map((c) => toPublication(c.publish));
    const replies = publications.map(() => '{"publish":{}}').join(',');
    return { status: '200 OK', body: `{"result":{"replies":[${replies}]}}`, publications };
  }
  return { status: '404 Not Found', body: '{"error":{"code":104,"message":"method not found"}}', publications: [] };
}

function toPublication(params: Record<string, unknown>): Publication {
  return { channel: String(params['channel']), data: JSON.stringify(params['data'] ?? null) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
