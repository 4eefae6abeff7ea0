/*
 * src/shards/commands/: the client commands: this dispatcher and one handler
 * per command behind one signature (types.ts), taking a ShardContext. May
 * import (in shards): session, access, subscriber, messaging, context.ts.
 */
/**
 * Turns a client frame into handler calls and handler outcomes into frames.
 *
 * Rules (Centrifugo's): the first command must be `connect`; every command but
 * `send` and the empty pong needs `id > 0`; an unknown or empty command, or a
 * pong with no ping outstanding, closes the connection with 3501.
 *
 * Order: the commands of a connection, from one frame or several, go into its
 * backlog and start in the order received. A command that completes at once
 * (unsubscribe, ping, a refused request) is answered before the next starts;
 * one that waits (subscribe, publish, history, proxies…) holds back the rest
 * until its reply is queued, so replies come out in command order, as in
 * Centrifugo. With `client.concurrency` N > 1, up to N waiting commands of a
 * connected client overlap (their replies may come out of order); a connect
 * always holds back everything after it.
 *
 * A request the decoder refused unparsed (nested too deep) gets its 107; a
 * command over `client.rate_limit` gets 111, and a connection over its error
 * budget is closed with 3509 (shards/access/command-limits.ts).
 */
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError, toWireError } from '../../protocol/errors';
import { commandMethod, decodeCommands, encodeError, encodeResult, type Command } from '../../protocol/json';
import { decodeCommands as decodeProtobufCommands } from '../../protocol/protobuf/codec';
import { COMMAND_HANDLERS } from './index';
import { ConnState, NO_COMMANDS, type Connection } from '../session/connection';
import type { ShardContext } from '../context';
import { connectErrorDisconnect } from '../../protocol/uni-push';
import { bump } from '../../metrics/shard-metrics';
import { RejectedRequest } from '../../protocol/command-shape';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Most commands one connection may have waiting to start. A client that
 * keeps sending while its commands wait (a slow proxy, say) is disconnected
 * with 3013 past it, rather than growing the shard's memory without bound.
 */
export const MAX_BACKLOG = 10_000;

/** Decodes a frame in the connection's protocol: newline-joined JSON, or varint-delimited Protobuf. */
function decodeFrame(conn: Connection, frame: string | Uint8Array): Command[] {
  if (conn.transport.protocol === 'protobuf') {
    return decodeProtobufCommands(typeof frame === 'string' ? utf8Encoder.encode(frame) : frame);
  }
  return decodeCommands(typeof frame === 'string' ? frame : utf8Decoder.decode(frame));
}

/**
 * Handles one incoming frame: JSON text, or bytes in the connection's
 * protocol (read only during this call: the commands are decoded at once
 * and wait in the backlog as objects).
 */
export function dispatchFrame(shard: ShardContext, conn: Connection, frame: string | Uint8Array): void {
  if (conn.state === ConnState.Closed) return;
  let commands: Command[];
  try {
    commands = decodeFrame(conn, frame);
  } catch (err) {
    fail(shard, conn, err);
    return;
  }
  enqueue(shard, conn, commands);
}

/**
 * Starts the connect of a unidirectional connection, whose ConnectRequest
 * came from a request body, a query parameter or a first message rather than
 * a Command frame: it runs as the Command `{"id":1,"connect":request}`.
 */
export function dispatchConnect(shard: ShardContext, conn: Connection, request: Record<string, unknown>): void {
  if (conn.state !== ConnState.Fresh) return;
  enqueue(shard, conn, [{ id: 1, connect: request }]);
}

/** Queues `commands` (a fresh array the backlog may adopt) and starts what it can. */
function enqueue(shard: ShardContext, conn: Connection, commands: Command[]): void {
  if (conn.backlog.length + commands.length > MAX_BACKLOG) {
    fail(shard, conn, new DisconnectError(Disconnects.tooManyRequests));
    return;
  }
  if (conn.backlog === NO_COMMANDS) conn.backlog = commands;
  else for (const cmd of commands) conn.backlog.push(cmd);
  pump(shard, conn);
}

/** How many commands of `conn` may wait at once: `client.concurrency` once connected, else 1. */
function concurrency(shard: ShardContext, conn: Connection): number {
  return conn.state === ConnState.Connected ? Math.max(1, shard.config.client.concurrency) : 1;
}

/** Starts backlog commands in order while the connection's concurrency allows. */
function pump(shard: ShardContext, conn: Connection): void {
  while (conn.backlog.length > 0) {
    if (conn.state === ConnState.Closed) {
      conn.backlog = NO_COMMANDS;
      return;
    }
    if (conn.inFlight >= concurrency(shard, conn)) return;
    const pending = runCommand(shard, conn, conn.backlog.shift()!);
    if (pending) {
      conn.inFlight++;
      void pending.then(() => {
        conn.inFlight--;
        pump(shard, conn);
      });
    }
  }
  // Drops the emptied array and its backing store (a command may have queued more meanwhile: only an empty one is dropped).
  if (conn.backlog.length === 0) conn.backlog = NO_COMMANDS;
}

/** Starts one command; returns a promise (which never rejects) when it completes later, once its reply is queued. */
function runCommand(shard: ShardContext, conn: Connection, cmd: Command): Promise<void> | null {
  const method = commandMethod(cmd);
  if (method === null) {
    // An empty command is the pong.
    if (conn.pongDeadline === 0 || conn.state !== ConnState.Connected) {
      fail(shard, conn, new DisconnectError(Disconnects.badRequest));
    } else {
      conn.pongDeadline = 0;
    }
    return null;
  }
  const id = cmd.id;
  if (method !== 'send' && (typeof id !== 'number' || !Number.isInteger(id) || id <= 0)) {
    fail(shard, conn, new DisconnectError(Disconnects.badRequest));
    return null;
  }
  if (method === 'connect') {
    if (conn.state !== ConnState.Fresh) {
      fail(shard, conn, new DisconnectError(Disconnects.badRequest));
      return null;
    }
  } else if (conn.state !== ConnState.Connected) {
    fail(shard, conn, new DisconnectError(Disconnects.badRequest));
    return null;
  }
  const request = cmd[method];
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    fail(shard, conn, new DisconnectError(Disconnects.badRequest));
    return null;
  }
  const replyId = id ?? 0;
  const metrics = shard.metrics.enabled ? shard.metrics : null;
  const started = metrics ? performance.now() : 0;
  if (metrics) bump(metrics.received, `${conn.transport.name}\0${method}`);
  if (request instanceof RejectedRequest) {
    // Refused by the decoder without being parsed (nested too deep): 107 in reply to its id.
    answerError(shard, conn, method, replyId, request.error);
    return null;
  }
  if (!shard.commandLimits.admit(conn, method)) {
    // Over its rate limit (client.rate_limit): 111, except `send`, which has no reply and is dropped.
    if (method !== 'send') answerError(shard, conn, method, replyId, new ReplyError(Errors.tooManyRequests));
    return null;
  }
  let outcome: string | null | Promise<string | null>;
  try {
    outcome = COMMAND_HANDLERS[method](shard, conn, request, replyId);
  } catch (err) {
    answerError(shard, conn, method, replyId, err);
    metrics?.observeCommand(method, (performance.now() - started) / 1000);
    return null;
  }
  if (typeof outcome === 'string' || outcome === null) {
    if (outcome !== null) shard.writer.send(conn, encodeResult(replyId, method, outcome));
    metrics?.observeCommand(method, (performance.now() - started) / 1000);
    return null;
  }
  return outcome.then(
    (result) => {
      if (result !== null && conn.state !== ConnState.Closed) shard.writer.send(conn, encodeResult(replyId, method, result));
      metrics?.observeCommand(method, (performance.now() - started) / 1000);
    },
    (err: unknown) => {
      answerError(shard, conn, method, replyId, err);
      metrics?.observeCommand(method, (performance.now() - started) / 1000);
    },
  );
}

function answerError(shard: ShardContext, conn: Connection, method: string, id: number, err: unknown): void {
  if (err instanceof DisconnectError) {
    fail(shard, conn, err);
    return;
  }
  if (!(err instanceof ReplyError)) shard.log.error('command failed', { method, client: conn.id, error: err });
  bump(shard.metrics.replyErrors, `${method}\0${err instanceof ReplyError ? err.code : Errors.internal.code}`);
  if (shard.commandLimits.overErrors(conn, err instanceof ReplyError ? err.code : Errors.internal.code)) {
    fail(shard, conn, new DisconnectError(Disconnects.tooManyErrors));
    return;
  }
  if (conn.transport.unidirectional) {
    // The client reads no replies: its failed connect ends the connection with the matching disconnect.
    const code = err instanceof ReplyError ? err.code : Errors.internal.code;
    fail(shard, conn, new DisconnectError(connectErrorDisconnect(code, shard.config.client.connect_code_to_unidirectional_disconnect)));
    return;
  }
  if (method === 'connect' && conn.state === ConnState.Connecting) conn.state = ConnState.Failed;
  if (conn.state !== ConnState.Closed) shard.writer.send(conn, encodeError(id, toWireError(err)));
}

function fail(shard: ShardContext, conn: Connection, err: unknown): void {
  if (err instanceof DisconnectError) {
    shard.disconnect(conn, err.disconnect.code, err.disconnect.reason);
  } else {
    shard.log.error('frame handling failed', { client: conn.id, error: err });
    shard.disconnect(conn, Disconnects.serverError.code, Disconnects.serverError.reason);
  }
}
