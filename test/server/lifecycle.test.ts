/**
 * Whatever the gateway opened is released however it ends: a start-up that cannot bind its port
 * (after connecting to Redis and creating the upstream pools) rejects with one clear message and
 * leaves no socket or timer behind, and `close()` with a failing step still closes the rest.
 * Handles are counted with process.getActiveResourcesInfo() (each test file runs in its own process).
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/lifecycle.js';
import { REDIS_URL, testKeyPrefix } from '../live/redis-support.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { healthyPolos, refused } from '../support/server-helpers.js';
import { eventually } from '../support/subscriptions.js';
import { uuid } from '../support/payloads.js';

let polos: FakeUpstream;
let blocker: Server;
let takenPort: number;
const redisEnv = { REDIS_URL, REDIS_KEY_PREFIX: testKeyPrefix(), SHUTDOWN_TIMEOUT_MS: '200' };

beforeAll(async () => {
  polos = await startFakeUpstream(healthyPolos);
  blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  takenPort = (blocker.address() as AddressInfo).port;
});

afterAll(async () => {
  blocker.close();
  await polos.close();
});

/** Sockets, servers and timers this process holds open, by kind. */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind]! += 1;
  return counts;
}

/** Back to (at most) what was open before: nothing the gateway opened is left. */
async function expectReleased(before: Record<string, number>): Promise<void> {
  const released = () => Object.entries(openHandles()).every(([kind, count]) => count <= before[kind]!);
  await eventually(released, 3_000).catch(() => {});
  expect({ before, now: openHandles(), released: released() }).toMatchObject({ released: true });
}

describe('a start-up that cannot bind its port', () => {
  it('rejects with one message naming the port and PORT, and releases Redis, pools and servers', async () => {
    const before = openHandles();
    const failure = await startTestGateway({ polos: polos.baseUrl }, { ...redisEnv, PORT: String(takenPort) }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toBe(
      `Cannot listen on 127.0.0.1:${takenPort}: the address is already in use (EADDRINUSE): stop what listens there, or set PORT (and HOST) to a free one.`,
    );
    await expectReleased(before);
  });
});

describe('close()', () => {
  it('with one failing step still closes everything else, then reports the failure', async () => {
    const before = openHandles();
    const gateway = await startTestGateway({ polos: polos.baseUrl }, redisEnv);
    const answer = await graphql(gateway.url, `{ execution(id: "polos:${uuid(1)}") { status } }`);
    expect(answer.data).toEqual({ execution: { status: 'RUNNING' } });
    expect(gateway.redis).toBe('connected');
    expect(openHandles().TCPSocketWrap).toBeGreaterThan(before.TCPSocketWrap!); // Redis, the upstream pool

    gateway.live.close = () => Promise.reject(new Error('boom'));
    const failure = await gateway.close().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).message).toBe('Could not release everything: live executions: boom.');
    // The step before the failing one closed the server; those after it Redis and the pools.
    expect(await refused(gateway.port)).toBe(true);
    await expectReleased(before);
  });
});
