/**
 * The real process (`node --import tsx src/main.ts`), started as an operator would: production
 * with nothing configured stops with one message instead of serving demo data, DEMO=1 serves the
 * demo on purpose, a taken port stops with one message; and the demo is not even loaded unless
 * it runs (src/main.ts reaches src/demo/ only through `import()`).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_KEYS } from './support/gateway.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** main.ts started as an operator would, with only `env` (no inherited provider variables), its output piped. */
const spawnMain = (env: Record<string, string>) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Runs main.ts until it exits, or prints its banner (then SIGTERM). */
async function runMain(env: Record<string, string>): Promise<Run & { readonly ready: boolean }> {
  const child = spawnMain({ LOG_LEVEL: 'warn', ...env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const ready = new Promise<boolean>((resolve) => child.stdout.on('data', () => /ready: http[\s\S]*\n\n/.test(stdout) && resolve(true)));
  if (await Promise.race([ready, exited.then(() => false)])) {
    child.kill('SIGTERM');
    const [code] = await exited;
    return { code, stdout, stderr, ready: true };
  }
  const [code] = await exited;
  return { code, stdout, stderr, ready: false };
}

// Each case is a process start (~1 s, mostly tsx): they run at once.
describe.concurrent('starting the process', () => {
  it('NODE_ENV=production with no provider configured exits 1 with one message naming the variables and DEMO=1, serving nothing', async () => {
    const run = await runMain({ NODE_ENV: 'production' });
    expect(run).toMatchObject({ code: 1, ready: false, stdout: '' });
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'No upstream is configured (NODE_ENV=production never starts the demo by itself). Set at least one provider: ' +
        'FLOWKER_BASE_URL and FLOWKER_API_KEY; PROMPTLAYER_BASE_URL and PROMPTLAYER_API_KEY; or POLOS_BASE_URL, POLOS_API_KEY and POLOS_PROJECT_ID. ' +
        'To run the embedded demo upstreams on purpose, set DEMO=1.',
    ]);
  });

  it('NODE_ENV=production with DEMO=1 serves the embedded demo on purpose (and stops with 0 on SIGTERM)', async () => {
    const run = await runMain({ NODE_ENV: 'production', DEMO: '1' });
    expect(run).toMatchObject({ ready: true, code: 0 });
    expect(run.stdout).toContain('Serving the embedded demo upstreams');
    expect(run.stdout).toMatch(/^\s+polos:[\w-]+\s/m);
  });

  it('on a port that is taken exits 1 with one message naming the port and PORT', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await runMain({
        PORT: String(port),
        POLOS_BASE_URL: 'http://127.0.0.1:9',
        POLOS_API_KEY: TEST_KEYS.polos,
        POLOS_PROJECT_ID: TEST_KEYS.polosProject,
      });
      expect(run).toMatchObject({ code: 1, ready: false });
      expect(run.stderr.trimEnd().split('\n')).toEqual([
        `Cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE): stop what listens there, or set PORT (and HOST) to a free one.`,
      ]);
    } finally {
      blocker.close();
    }
  });
});

describe('log lines from the real process (LOG_BUFFER_BYTES batches them)', () => {
  it('a line is written within the flush interval while the process runs, and a buffered one before it exits on SIGTERM', async () => {
    const child = spawnMain({ DEMO: '1', LOG_LEVEL: 'info' });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => pattern.test(stdout) && (child.stdout.off('data', check), resolve());
        child.stdout.on('data', check);
        check();
      });
    try {
      await seen(/ready: http\S+/);
      const url = /ready: (http\S+)/.exec(stdout)![1]!;
      const query = (name: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `query ${name} { __typename }` }) });
      // Far less than 4 KiB: only the periodic flush writes it.
      await query('WhileRunning');
      await seen(/"operationName":"WhileRunning"/);
      await query('AtShutdown');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { operationName?: string; msg: string });
      expect(lines.map((line) => line.operationName ?? line.msg)).toEqual(expect.arrayContaining(['WhileRunning', 'AtShutdown', 'shutting down', 'stopped']));
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a standard output nobody reads any more', () => {
  it('SIGTERM still stops the process with 0: its buffered log lines do not keep it from exiting', async () => {
    // LOG_LEVEL=warn: the one line at start-up (no GATEWAY_API_KEYS) stays in the 4 KiB buffer.
    const child = spawnMain({ DEMO: '1', LOG_LEVEL: 'warn' });
    const exited = once(child, 'exit') as Promise<[number | null]>;
    let text = '';
    for await (const chunk of child.stdout) {
      text += String(chunk);
      if (/ready: http[\s\S]*\n\n/.test(text)) break; // leaving the loop closes our end of the pipe
    }
    child.kill('SIGTERM');
    try {
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('the start-up import graph', () => {
  it('src/main.ts loads src/demo/ only through import(), never statically', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/static-imports.mjs', 'src/main.ts'], { cwd: ROOT });
    const files = stdout.trim().split('\n');
    expect(files).toContain('src/server/gateway.ts'); // the scan follows the static graph
    expect(files.filter((file) => file.startsWith('src/demo/'))).toEqual([]);
  });
});
