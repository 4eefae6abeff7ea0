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
import { MessageType, type EmulationMessage } from '../messaging/messages';
import type { Shard } from '../shard';

/**
 * What became of an emulation request: `ok` (commands handed to the
 * session), `no_session` (no such session on the node; it may just have
 * ended), `no_node` (no such live node).
 */
export type EmulationOutcome = 'ok' | 'no_session' | 'no_node';

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

/**
 * The commands of an emulation request: newline-joined JSON text, or
 * varint-delimited Protobuf bytes. Each session decodes them in its own
 * protocol (text as UTF-8 bytes for Protobuf, bytes as UTF-8 text for JSON).
 */
export type EmulatedCommands = string | Uint8Array;

/** Feeds commands to a session held by this shard. */
export function feedSession(shard: Shard, session: string, data: EmulatedCommands): EmulationOutcome {
  const conn = shard.sessions.get(session);
  if (!conn || conn.transport.unidirectional || conn.state === ConnState.Closed) return 'no_session';
  dispatchFrame(shard, conn, data);
  return 'ok';
}

/** Sends commands to a session of this process, on whichever shard holds it. */
export function emulateOnNode(shard: Shard, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
  const target = sessionShard(session, shard.count);
  if (target === null) return Promise.resolve('no_session');
  return shard.requests.start<EmulationOutcome>(target, (rid) =>
    shard.postman.send(target, { t: MessageType.EMULATION, rid, from: shard.id, session, data }),
  );
}

/** Routes one emulation request from the shard that took it. */
export function routeEmulation(shard: Shard, node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
  if (node === shard.nodeUid) return emulateOnNode(shard, session, data);
  // Without Redis there are no other nodes; with it, shard 0 holds node control.
  if (!shard.bus) return Promise.resolve('no_node');
  return shard.requests.start<EmulationOutcome>(0, (rid) =>
    shard.postman.send(0, { t: MessageType.EMULATION, rid, from: shard.id, node, session, data }),
  );
}

/** Handles an EMULATION message on the shard it was sent to. */
export function answerEmulation(shard: Shard, msg: EmulationMessage): Promise<EmulationOutcome> {
  if (msg.node === undefined) return Promise.resolve(feedSession(shard, msg.session, msg.data));
  if (!shard.nodeControl) return Promise.resolve('no_node');
  return shard.nodeControl.emulate(msg.node, msg.session, msg.data);
}
