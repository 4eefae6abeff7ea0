/**
 * A command connection to one Redis server (standalone, or the master a
 * Sentinel names) whose commands issued in one event-loop turn leave in one
 * socket write: the socket is corked at the first command of a turn and
 * uncorked when the turn ends (`setImmediate`, after the I/O callbacks of the
 * turn ran). Concurrent publications of a shard (one per API request or
 * mailbox message in the turn) thus share a write and a round trip.
 *
 * Why not ioredis auto-pipelining: it keeps one pipeline in flight per
 * connection, so every command issued while a round trip is under way waits
 * for it and then for the next turn, and it builds a Pipeline (promises,
 * queues) per turn. Under many small publications that serialized the
 * publishes of a shard behind Redis round trips (measured: ~2,000
 * publications/s with 0.7 cores busy). Here any number of turns' writes can
 * be in flight, and commands go out as plain ioredis commands, in call order,
 * on one socket, so Redis executes them in that order (per-channel order of
 * publications holds: one owner shard, one connection).
 */
import { Redis } from 'ioredis';

type SendArgs = Parameters<Redis['sendCommand']>;

/** An ioredis connection that batches each event-loop turn's commands into one write. */
export class TurnBatchedRedis extends Redis {
  /** The socket corked for the current turn, or null. */
  private corkedSocket: { uncork(): void } | null = null;

  /** Sends like ioredis, first corking the socket for the rest of the turn (only when ready; handshake and pipelines pass through). */
  override sendCommand(command: SendArgs[0], stream?: SendArgs[1]): unknown {
    if (stream === undefined && this.status === 'ready' && this.corkedSocket === null) this.corkForTurn();
    return super.sendCommand(command, stream);
  }

  private corkForTurn(): void {
    const socket = this.stream;
    if (!socket || !socket.writable) return;
    socket.cork();
    this.corkedSocket = socket;
    setImmediate(() => {
      this.corkedSocket = null;
      // Uncorking a socket that closed meanwhile is harmless; its commands were rejected by ioredis.
      socket.uncork();
    });
  }
}
