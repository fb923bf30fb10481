#!/usr/bin/env node
// @ts-check
/**
 * CI's check that the production build runs: starts `node dist/main.js` (as `npm run start:prod`
 * does) with the embedded demo upstreams asked for on purpose (DEMO=1) on a free port, asks it
 * one query, one demo execution and its readiness, runs the compiled watcher (`node
 * dist/cli/main.js watch`) against it, then stops it with SIGTERM and expects exit code 0. Before
 * that: with nothing configured it must refuse to start (exit 1, one message), and dist/main.js
 * must not load dist/demo/ at start-up (only `import()` reaches it).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { staticImports } from './static-imports.mjs';

const TIMEOUT_MS = 20_000;
const PROVIDER_VARIABLES = /^(FLOWKER|PROMPTLAYER|POLOS)_|^DEMO$/;
/** The environment without any provider configured (CI's own variables aside). */
const bareEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROVIDER_VARIABLES.test(name)));

/** The gateway under test, once started. @type {import('node:child_process').ChildProcess | undefined} */
let running;

/** @param {string} why @returns {never} */
function fail(why) {
  process.stderr.write(`smoke-dist: ${why}\n`);
  running?.kill('SIGKILL');
  process.exit(1);
}

const demoAtStartUp = (await staticImports('dist/main.js')).filter((file) => file.startsWith('dist/demo/'));
if (demoAtStartUp.length > 0) fail(`dist/main.js loads the demo at start-up: ${demoAtStartUp.join(', ')}`);

const unconfigured = await promisify(execFile)(process.execPath, ['dist/main.js'], {
  env: { ...bareEnv, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' },
  timeout: TIMEOUT_MS,
}).then(
  () => fail('with nothing configured, NODE_ENV=production started anyway'),
  (/** @type {{ code?: unknown, stderr?: string }} */ error) => error,
);
if (unconfigured.code !== 1 || !/No upstream is configured.*FLOWKER_BASE_URL.*DEMO=1/.test(unconfigured.stderr ?? '')) {
  fail(`with nothing configured: exit ${String(unconfigured.code)}, stderr ${JSON.stringify(unconfigured.stderr)}`);
}

const child = spawn(process.execPath, ['dist/main.js'], {
  env: { ...bareEnv, NODE_ENV: 'production', DEMO: '1', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
running = child;
const timer = setTimeout(() => fail(`no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);

/** The banner's first line names the URL; the next lines name the demo executions. */
async function banner() {
  let text = '';
  for await (const chunk of child.stdout) {
    text += String(chunk);
    const url = /ready: (http:\/\/\S+\/graphql)/.exec(text)?.[1];
    const demoId = /^\s+(polos:[\w-]+)/m.exec(text)?.[1];
    if (url && demoId) return { url, demoId };
  }
  return fail(`the gateway exited before printing its URL and a demo id:\n${text}`);
}

/** @param {string} url @param {string} query */
async function graphql(url, query) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: /** @type {any} */ (await response.json()) };
}

const { url, demoId } = await banner();
const answer = await graphql(url, `{ execution(id: "${demoId}") { id provider status } }`);
if (answer.status !== 200 || answer.body.data?.execution?.id !== demoId || answer.body.data.execution.provider !== 'POLOS') {
  fail(`unexpected answer to a demo query: ${answer.status} ${JSON.stringify(answer.body)}`);
}
const ready = await fetch(url.replace(/\/graphql$/, '/readyz'));
if (ready.status !== 200) fail(`/readyz answered ${ready.status}`);

// The watcher subscribes over WebSocket; a malformed id ends it at once with exit code 2 and the
// shared model's explanation (a demo execution would take seconds to finish).
const watch = await promisify(execFile)(process.execPath, ['dist/cli/main.js', 'watch', 'polos:not-a-uuid', '--url', url], { env: { ...process.env, NO_COLOR: '1' }, timeout: 10_000 }).then(
  () => ({ code: 0, stderr: '' }),
  (/** @type {{ code?: unknown; stderr?: string }} */ error) => ({ code: error.code, stderr: error.stderr ?? '' }),
);
if (watch.code !== 2 || !watch.stderr.includes('is not an execution id')) fail(`dist/cli/main.js watch: exit code ${String(watch.code)}, stderr: ${watch.stderr}`);

child.kill('SIGTERM');
const [code] = await once(child, 'exit');
clearTimeout(timer);
if (code !== 0) fail(`exit code ${code} after SIGTERM`);
process.stdout.write(
  `smoke-dist: dist/main.js refused to start unconfigured (exit 1), loads no demo code at start-up; with DEMO=1 it answered ${demoId} as ${answer.body.data.execution.status}, was ready, ran the watcher, and stopped with exit 0\n`,
);
