/**
 * A TCP proxy on loopback that counts the bytes between a browser and the relay, in both directions and for
 * every connection (the page's and its service worker's alike): what "from the network" means, measured on
 * the wire rather than taken from the browser's own accounting.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ByteCountingProxy {
  readonly port: number;
  /**
   * Bytes from the server to the browser, and from the browser to the server, since the last reset; with
   * `before` (a Date.now() time), only those that passed before it.
   */
  counts(before?: number): { toBrowser: number; toServer: number; connections: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startByteCountingProxy(targetPort: () => number): Promise<ByteCountingProxy> {
  /** Every chunk and every new connection, with the time it passed. */
  let log: { at: number; toBrowser: number; toServer: number; connection: number }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((browserSide) => {
    log.push({ at: Date.now(), toBrowser: 0, toServer: 0, connection: 1 });
    const serverSide = createConnection({ host: '127.0.0.1', port: targetPort() });
    for (const socket of [browserSide, serverSide]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        browserSide.destroy();
        serverSide.destroy();
      });
    }
    browserSide.on('data', (chunk: Buffer) => {
      log.push({ at: Date.now(), toBrowser: 0, toServer: chunk.length, connection: 0 });
      serverSide.write(chunk);
    });
    serverSide.on('data', (chunk: Buffer) => {
      log.push({ at: Date.now(), toBrowser: chunk.length, toServer: 0, connection: 0 });
      browserSide.write(chunk);
    });
    browserSide.on('end', () => serverSide.end());
    serverSide.on('end', () => browserSide.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    counts(before = Number.POSITIVE_INFINITY) {
      const counted = { toBrowser: 0, toServer: 0, connections: 0 };
      for (const entry of log) {
        if (entry.at >= before) continue;
        counted.toBrowser += entry.toBrowser;
        counted.toServer += entry.toServer;
        counted.connections += entry.connection;
      }
      return counted;
    },
    reset() {
      log = [];
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
