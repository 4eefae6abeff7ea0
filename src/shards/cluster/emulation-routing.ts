/**
 * Where the commands of an emulated session go. `POST /emulation` may reach
 * any shard of any process; the session lives on one shard of one node.
 *
 * - The session id names its shard: `<shard index>.<UUID v4>`, so the shard
 *   that took the request sends the commands straight to the session's shard
 *   (an EMULATION message through the mailboxes), which feeds them to the
 *   connection's dispatcher as if they came in a WebSocket frame.
 * - A request naming another node goes to this process's shard 0, which
 *   forwards it over node control (Redis) to that node's shard 0, which sends
 *   it on to the session's shard; the answer comes back the same way.
 *
 * Order: the commands of one request run in their order. Requests for one
 * session keep the order in which the session's shard receives them: those
 * taken by one shard travel one FIFO mailbox; requests in flight at the same
 * time over different HTTP connections have no order between them (as in
 * Centrifugo, and the SDK does not wait for one before sending the next).
 */
import { randomUUID } from 'node:crypto';
import { ConnState } from '../session/connection';
import { dispatchFrame } from '../commands/dispatcher';
import { MessageType, type EmulatedCommands, type EmulationMessage, type EmulationOutcome } from '../messaging/messages';
import type { Postman } from '../messaging/postman';
import type { Requests } from '../messaging/requests';
import type { NodeLink, ShardContext } from '../context';

const SESSION_PATTERN = /^(\d{1,3})\.[0-9a-f-]{36}$/;

/** A new session id for a connection on shard `shardId`. */
export function newSessionId(shardId: number): string {
  return `${shardId}.${randomUUID()}`;
}

/** The shard a session id names, or null when it is not one of this process's shard indexes. */
export function sessionShard(session: string, shardCount: number): number | null {
  const match = SESSION_PATTERN.exec(session);
  if (!match) return null;
  const shard = Number(match[1]);
  return shard < shardCount ? shard : null;
}

/** Feeds commands to a session held by this shard. */
export function feedSession(ctx: ShardContext, session: string, data: EmulatedCommands): EmulationOutcome {
  const conn = ctx.sessions.get(session);
  if (!conn || conn.transport.unidirectional || conn.state === ConnState.Closed) return 'no_session';
  dispatchFrame(ctx, conn, data);
  return 'ok';
}

/** Handles an EMULATION message on the shard it was sent to: feeds its session, or (shard 0) forwards it to another node. */
export function answerEmulation(ctx: ShardContext, msg: EmulationMessage): Promise<EmulationOutcome> {
  if (msg.node === undefined) return Promise.resolve(feedSession(ctx, msg.session, msg.data));
  if (!ctx.node.control) return Promise.resolve('no_node');
  return ctx.node.control.emulate(msg.node, msg.session, msg.data);
}

/** What sending emulated commands needs of a shard. */
export interface EmulationSender {
  readonly id: number;
  readonly count: number;
  readonly node: NodeLink;
  readonly requests: Requests;
  readonly postman: Postman;
}

/** Sends emulated commands to a session of this process, on whichever shard holds it. */
export function sendEmulation(shard: EmulationSender, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
  const target = sessionShard(session, shard.count);
  if (target === null) return Promise.resolve('no_session');
  return shard.requests.start<EmulationOutcome>(target, (rid) =>
    shard.postman.send(target, { t: MessageType.EMULATION, rid, from: shard.id, session, data }),
  );
}

/** Routes an emulation request to the session's node and shard: this node's, or another node's through shard 0. */
export function routeEmulationRequest(shard: EmulationSender, node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
  if (node === shard.node.identity.uid) return sendEmulation(shard, session, data);
  // Without a bus there are no other nodes; with one, shard 0 holds node control.
  if (!shard.node.bus) return Promise.resolve('no_node');
  return shard.requests.start<EmulationOutcome>(0, (rid) =>
    shard.postman.send(0, { t: MessageType.EMULATION, rid, from: shard.id, node, session, data }),
  );
}
