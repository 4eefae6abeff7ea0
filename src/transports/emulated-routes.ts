/**
 * Registers the HTTP transports a config enables on a shard's uWS app:
 * HTTP-streaming, SSE, and their `POST /emulation` (served when either is on,
 * as Centrifugo does).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { ShardContext } from '../shards/context';
import { CorsPolicy } from '../http/cors';
import { registerEmulation } from './emulation';
import { registerHttpStream } from './http-stream';
import { registerSse } from './sse';

/** Registers the enabled emulated transports and the emulation endpoint. */
export function registerEmulatedTransports(app: TemplatedApp, shard: ShardContext): void {
  const { http_stream, sse } = shard.config;
  if (!http_stream.enabled && !sse.enabled) return;
  const cors = new CorsPolicy(() => shard.config.client.allowed_origins);
  if (http_stream.enabled) registerHttpStream(app, shard, cors);
  if (sse.enabled) registerSse(app, shard, cors);
  registerEmulation(app, shard, cors);
}
