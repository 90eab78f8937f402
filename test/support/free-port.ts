import { createServer, type AddressInfo } from 'node:net';

/**
 * A port nobody listens on, from the system. A port picked at random can be
 * one an outgoing connection (to Postgres, to Kafka) is using: they come from
 * the same range.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
