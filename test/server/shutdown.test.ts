/**
 * Graceful shutdown of the real process: `node --import tsx src/main.ts` against a fake Polos,
 * SIGTERM while an operation is in flight and a subscriber is connected. The in-flight query
 * completes with data, the subscriber's socket closes with 1001, new connections are refused,
 * and the process exits with code 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, TEST_KEYS } from '../support/gateway.js';
import { openAckedSocket, polosIdOf, refused } from '../support/server-helpers.js';
import { eventually, sleep } from '../support/subscriptions.js';
import { polosBody, uuid } from '../support/payloads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SLOW = uuid(1);
const SLOW_MS = 800;
const RUNNING = uuid(2);

const NODE_ARGS = ['--import', 'tsx', 'src/main.ts'];

interface Spawned {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const spawned: ChildProcess[] = [];

async function startProcess(polosUrl: string, extraEnv: Record<string, string> = {}): Promise<Spawned> {
  const child = spawn(process.execPath, NODE_ARGS, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      POLOS_BASE_URL: polosUrl,
      POLOS_API_KEY: TEST_KEYS.polos,
      POLOS_PROJECT_ID: TEST_KEYS.polosProject,
      POLL_INTERVAL_MS: '50',
      UPSTREAM_ATTEMPT_TIMEOUT_MS: '5000',
      UPSTREAM_DEADLINE_MS: '8000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const state = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (state.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (state.stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 15 s; stdout: ${state.stdout} stderr: ${state.stderr}`)), 15_000);
    const check = () => {
      const match = /execution-gateway ready: (\S+)/.exec(state.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before its banner; stderr: ${state.stderr}`));
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    get stdout() {
      return state.stdout;
    },
    get stderr() {
      return state.stderr;
    },
    exited,
  } as Spawned;
}

let polos: FakeUpstream;

beforeAll(async () => {
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    return { body: polosBody(id, 'running'), ...(id === SLOW ? { delayMs: SLOW_MS } : {}) };
  });
});

afterEach(() => {
  // A failed test must not leave its process behind: kill only what this file spawned, by pid.
  for (const child of spawned.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await polos.close();
});

describe('SIGTERM on the real process', () => {
  let idleStdout = '';

  it('finishes the in-flight query, closes subscribers with 1001, refuses new connections, exits 0', async () => {
    const gateway = await startProcess(polos.baseUrl);

    // A subscriber, with its first event in hand.
    const subscriber = await openAckedSocket(gateway.url);
    subscriber.send({ id: 's', type: 'subscribe', payload: { query: `subscription { executionUpdated(id: "polos:${RUNNING}") { status } }` } });
    await subscriber.next((m) => m.id === 's' && m.type === 'next');

    // A query whose upstream answer takes SLOW_MS, in flight at the upstream.
    let queryDone = false;
    const inFlight = graphql(gateway.url, `{ execution(id: "polos:${SLOW}") { id status } }`).finally(() => (queryDone = true));
    await eventually(() => polos.count(`/api/v1/executions/${SLOW}`) === 1);

    gateway.child.kill('SIGTERM');

    // New connections are refused while the in-flight query is still being served.
    let refusedWhileDraining = false;
    while (!queryDone && !refusedWhileDraining) {
      refusedWhileDraining = await refused(gateway.port);
      if (!refusedWhileDraining) await sleep(20);
    }
    expect(refusedWhileDraining).toBe(true);
    expect(queryDone).toBe(false);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ execution: { id: `polos:${SLOW}`, status: 'RUNNING' } });

    const close = await subscriber.closed;
    expect(close.code).toBe(1001);
    expect(subscriber.messages.some((m) => m.type === 'error')).toBe(false);

    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(gateway.stdout).toContain('"msg":"shutting down"');
    expect(gateway.stderr).toBe('');
    expect(await refused(gateway.port)).toBe(true);
    expect(polos.count(`/api/v1/executions/${SLOW}`)).toBe(1); // completed once, not retried or cut short
  });

  it('with nothing in flight, SIGTERM exits 0 promptly (generous bound: 5 s)', async () => {
    const gateway = await startProcess(polos.baseUrl);
    const response = await graphql(gateway.url, `{ execution(id: "polos:${RUNNING}") { status } }`);
    expect(response.data).toEqual({ execution: { status: 'RUNNING' } });
    const started = Date.now();
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    idleStdout = gateway.stdout;
  });

  // gateway.close() must return, so that "stopped" is logged and main.ts exits by itself, not
  // because its event loop happens to empty: with anything still holding it open (a Redis
  // connection with REDIS_URL) the process would hang until SIGKILL. (Once, Apollo Server's own
  // SIGTERM handler next to main.ts's made close() wait forever on Apollo's stop barrier.)
  it('the "stopped" log line reaches stdout before the process exits', () => {
    expect(idleStdout).toContain('"msg":"shutting down"');
    expect(idleStdout).toContain('"msg":"stopped"');
  });
});
