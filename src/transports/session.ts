/**
 * Opening an emulated session (HTTP-streaming or SSE) on the shard that took
 * its connect request: the streaming response, the transport, the
 * connection, and the connect command fed to the dispatcher as a WebSocket's
 * first frame would be.
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { Connection } from '../shards/session/connection';
import { dispatchFrame } from '../shards/commands/dispatcher';
import type { ShardContext } from '../shards/context';
import type { ProtocolType } from '../protocol/names';
import { EmulatedTransport, type Framer } from './emulated';
import { newSessionId } from '../shards/cluster/emulation-routing';
import type { AbortWatch, HeaderList } from '../http/body';
import { ResponseStream } from './response-stream';

/** What an emulated transport's connect handler hands over. */
export interface SessionStart {
  readonly name: 'http_stream' | 'sse';
  readonly protocol: ProtocolType;
  /** Response headers (transport and CORS ones). */
  readonly headers: HeaderList;
  /** Frames replies for the wire. */
  readonly frame: Framer;
  /** Written before anything else (SSE: `\r\n`); "" for nothing. */
  readonly preamble: string;
  /** Request headers the connection keeps for proxies (lower-case names). */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** The connect command(s): newline-joined JSON, or varint-delimited Protobuf bytes. */
  readonly commands: string | Uint8Array;
}

/** Opens the session and starts its connect; returns the connection. */
export function openSession(shard: ShardContext, res: HttpResponse, watch: AbortWatch, start: SessionStart): Connection {
  const stream = new ResponseStream(res, watch, start.headers);
  const transport = new EmulatedTransport(start.name, start.protocol, newSessionId(shard.id), stream, start.frame, () => shard.draining);
  const conn = shard.open(transport, start.requestHeaders);
  transport.whenClosed(() => shard.onClose(conn));
  watch.onAbort(() => transport.aborted());
  if (start.preamble !== '') stream.write(start.preamble);
  dispatchFrame(shard, conn, start.commands);
  return conn;
}

/** Response headers of both streaming transports (Centrifugo's). */
export const STREAM_HEADERS: HeaderList = [
  ['X-Accel-Buffering', 'no'],
  ['Cache-Control', 'private, no-cache, no-store, must-revalidate, max-age=0'],
  ['Pragma', 'no-cache'],
  ['Expire', '0'],
];
