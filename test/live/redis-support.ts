/**
 * Redis for the replica tests: the real server (127.0.0.1:6379 here and in CI), a key prefix of
 * each run's own so that runs never collide (keys expire by themselves: short TTLs in tests), and
 * a TCP proxy in front of it that a test can cut and restore to play "Redis went away".
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const testKeyPrefix = (): string => `execution-gateway-test:${randomUUID()}:`;

export interface RedisProxy {
  readonly url: string;
  /** Drops every connection and refuses new ones, as a Redis that went down would. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(target: string = REDIS_URL): Promise<RedisProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let accepting = true;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a cut is the point, not a failure
  };
  const server = createServer((client) => {
    if (!accepting) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cut = () => {
    accepting = false;
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    restore: () => {
      accepting = true;
    },
    async close() {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}
