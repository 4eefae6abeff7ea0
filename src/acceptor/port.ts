/**
 * Port 0 means "any free port". Every shard must listen on the same port, and
 * SO_REUSEPORT cannot share a port the kernel picked for one socket, so the
 * acceptor picks a concrete free port first and hands it to all shards.
 */
import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on `host` ("" = all interfaces), and releases it. */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: host || undefined, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves when nothing listens on `host:port`. uWS sets SO_REUSEPORT, so a
 * second switchyard on the same port would bind without error and silently
 * share connections with the first; a plain bind here (no SO_REUSEPORT)
 * fails in that case, and in every other "address in use" case.
 */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `http_server.port ${port} is already in use on ${host || 'all interfaces'} (another switchyard or another program)`
            : `http_server.port ${port} cannot be bound on ${host || 'all interfaces'}: ${err.message}`,
        ),
      );
    });
    server.listen({ port, host: host || undefined, exclusive: true }, () => server.close(() => resolve()));
  });
}
