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
