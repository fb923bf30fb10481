/**
 * `execution-gateway watch`, spawned as users run it (the package.json bin shim) against a real
 * gateway and scripted fake upstreams: what it prints, and its exit codes (0 COMPLETED,
 * 1 FAILED/CANCELLED, 2 errors).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { watchExecution, type WatchOptions } from '../../src/cli/watch.js';
import type { Gateway } from '../../src/server/gateway.js';
import { startTestGateway } from '../support/gateway.js';
import { polosState, promptLayerState, Timelines } from '../ui/timelines.js';
import { uuid } from '../support/payloads.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function watch(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', GATEWAY_URL: '', GATEWAY_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The same watch, in this process (no ~1 s process start): for what does not need the real command. */
async function watchHere(options: Pick<WatchOptions, 'id' | 'url'> & Partial<WatchOptions>): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await watchExecution({ tty: false, color: false, out, err, ...options });
  return { code, stdout, stderr };
}

// A spawned run costs a process start (~1 s, mostly tsx): the cases run concurrently, and only
// those about the command itself (exit codes, usage) spawn it.
describe.concurrent('execution-gateway watch', () => {
  const timelines = new Timelines();
  let gateway: Gateway;
  let locked: Gateway;

  beforeAll(async () => {
    const upstreams = await timelines.start();
    const fast = { POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '40' };
    [gateway, locked] = await Promise.all([
      startTestGateway(upstreams, fast),
      startTestGateway({ polos: upstreams.polos }, { ...fast, GATEWAY_API_KEYS: 'watch-key' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([gateway?.close(), locked?.close()]);
    await timelines.close();
  });

  const polosTimeline = (n: number, last: string, extra: Record<string, unknown> = {}) =>
    timelines.script(`polos:${uuid(n)}`, [polosState(uuid(n), 'queued'), polosState(uuid(n), 'running'), polosState(uuid(n), last, extra)], 3);

  it('prints one line per change and the output, and exits 0 on COMPLETED', async ({ expect }) => {
    polosTimeline(1, 'completed', { result: { report: 'q3.pdf' } });
    const run = await watch(['watch', `polos:${uuid(1)}`, '--url', gateway.url]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`watching polos:${uuid(1)} at ${gateway.url}`);
    expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[1])).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d COMPLETED +\[#{20}\] 100%/);
    expect(run.stdout).toContain('output: \n{\n  "report": "q3.pdf"\n}');
  });

  it('lists PromptLayer nodes as they change', async ({ expect }) => {
    const id = 'promptlayer:9007199254740993';
    timelines.script(
      id,
      [
        promptLayerState({ Fetch: 'RUNNING', Answer: 'QUEUED' }),
        promptLayerState({ Fetch: 'SUCCESS', Answer: 'RUNNING' }),
        promptLayerState({ Fetch: 'SUCCESS', Answer: 'SUCCESS' }, 'forty-two'),
      ],
      3,
    );
    const run = await watchHere({ id, url: gateway.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/RUNNING +\[-{20}\] +0% +0\/2\n +Fetch: RUNNING\n +Answer: QUEUED\n/);
    expect(run.stdout).toMatch(/RUNNING +\[#{10}-{10}\] +50% +1\/2\n +Fetch: COMPLETED\n +Answer: RUNNING\n/);
    expect(run.stdout).toMatch(/COMPLETED +\[#{20}\] 100% +2\/2\n +Answer: COMPLETED\noutput: "forty-two"\n$/);
  });

  it('exits 1 on FAILED, with the error', async ({ expect }) => {
    polosTimeline(2, 'failed', { error: 'PaymentGatewayError: 503', retry_count: 2 });
    const run = await watch(['watch', `polos:${uuid(2)}`, '--url', gateway.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED .* retries=2\nerror: PaymentGatewayError: 503\n$/);
  });

  it('exits 1 on CANCELLED', async ({ expect }) => {
    polosTimeline(3, 'cancelled', { cancelled_by: 'manual' });
    const run = await watchHere({ id: `polos:${uuid(3)}`, url: gateway.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('CANCELLED');
  });

  it('redraws in place on a terminal', async ({ expect }) => {
    polosTimeline(4, 'completed', { result: 'ok' });
    const run = await watchHere({ id: `polos:${uuid(4)}`, url: gateway.url, tty: true, columns: 120 });
    expect(run.code).toBe(0);
    // Every redraw moves up over the previous block (3 lines: execution, bar, "live") and clears below.
    const frames = run.stdout.split('\x1b[3F\x1b[J');
    expect(frames).toHaveLength(3);
    expect(run.stdout).not.toContain('watching');
    const finalBlock = frames.at(-1)!;
    expect(finalBlock).toMatch(new RegExp(`^polos:${uuid(4)}  COMPLETED  polos · workflow generate_report\n\\[#{40}\\] 100%`));
    expect(finalBlock).toMatch(/output: "ok"\n$/);
  });

  it('exits 2 on a malformed id (BAD_USER_INPUT)', async ({ expect }) => {
    const run = await watch(['watch', 'polos:nope', '--url', gateway.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: polos:nope is not an execution id this gateway can look up/);
  });

  it('exits 2 on an unknown execution (NOT_FOUND)', async ({ expect }) => {
    const run = await watchHere({ id: `polos:${uuid(404)}`, url: gateway.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: no execution polos:${uuid(404)} (NOT_FOUND)\n`);
  });

  it('exits 2 when the gateway cannot be reached', async ({ expect }) => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    const url = `http://127.0.0.1:${port}/graphql`;
    const run = await watch(['watch', `polos:${uuid(1)}`], { GATEWAY_URL: url });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: cannot reach the gateway at ${url} (ECONNREFUSED)\n`);
  });

  it('sends the gateway API key, and exits 2 when it is refused', async ({ expect }) => {
    polosTimeline(5, 'completed', { result: 1 });
    const refused = await watchHere({ id: `polos:${uuid(5)}`, url: locked.url, apiKey: 'wrong' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the API key');
    const accepted = await watchHere({ id: `polos:${uuid(5)}`, url: locked.url, apiKey: 'watch-key' });
    expect(accepted.code).toBe(0);
  });

  it('prints usage and exits 2 without an id', async ({ expect }) => {
    const run = await watch(['watch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: execution-gateway watch <global id>');
    expect(run.stderr).toContain('--url <url>');
  });
});
