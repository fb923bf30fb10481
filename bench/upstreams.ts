/**
 * Child process: fake Flowker, PromptLayer and Polos servers (node:http, one port each) speaking
 * the wire formats of test/graphql/query.e2e.test.ts. State comes from the id (see shared.ts):
 * nothing to set up, any id answers. A fixed latency can be set at run time; every request is
 * counted per provider.
 *
 * `--live`: executions move one step per period on the schedule in shared.ts (Flowker
 * `currentStepNumber`, PromptLayer finished nodes, Polos `retry_count`) and never end; the
 * server records, per execution, how many times it was polled and when each step was first
 * served. And they push, as the real upstreams do: Polos streams each execution's steps over
 * `GET /api/v1/events/stream` (one frame per step at the moment it becomes visible, the literal
 * `keepalive` frame in between, replay after `last_sequence_id`), and PromptLayer runs started
 * with `POST /workflows/{name}/run` (ids from PROMPTLAYER_RUN_BASE, finishing at the
 * `finish_at` of their input) POST their `callback_url` when they finish. Both can be made to
 * fail at run time (`configure`): streams refused with 500, callbacks lost.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as undiciRequest } from 'undici';
import { serveRpc, usage } from './ipc.js';
import { liveStepAt, liveVisibleAt, numberOf, PROMPTLAYER_RUN_BASE, TERMINAL_BASE, uuidOf, wallClock, type LiveSchedule, type Provider } from './shared.js';

const live = process.argv.includes('--live');
let latencyMs = 0;
let schedule: LiveSchedule | null = null;

const counts: Record<Provider, number> = { flowker: 0, promptlayer: 0, polos: 0 };
/** Live mode: polls per execution number, and the first time each step was served. */
const polls = new Map<number, number>();
const firstServed = new Map<number, number[]>();
let pollLog: { n: number; at: number }[] = [];
/** Push behaviour, set by `configure`. */
let push = { refuseStreams: false, loseCallbacks: false, keepaliveMs: 150 };
let streamsOpened = 0;
let callbacksSent = 0;
/** PromptLayer runs started through the gateway, by id. */
const plRuns = new Map<number, { finishAt: number; reads: number; timer: NodeJS.Timeout | null }>();
let nextRun = PROMPTLAYER_RUN_BASE;
const streamTimers = new Set<NodeJS.Timeout>();

const STARTED = '2026-03-17T14:35:00Z';
const COMPLETED = '2026-03-17T14:35:12Z';
const LIVE_STEPS = 1_000_000;

/** Running or completed; in live mode the current step. */
function stateOf(n: number): { terminal: boolean; step: number } {
  if (!live) return { terminal: n >= TERMINAL_BASE, step: 2 };
  const now = wallClock();
  const step = liveStepAt(schedule!, n, now);
  polls.set(n, (polls.get(n) ?? 0) + 1);
  pollLog.push({ n, at: now });
  let served = firstServed.get(n);
  if (!served) firstServed.set(n, (served = []));
  if (served[step] === undefined) served[step] = now;
  return { terminal: false, step };
}

type Answer = { status: number; body: unknown };

function flowker(path: string): Answer {
  const match = /^\/v1\/executions\/([^/]+)(\/results)?$/.exec(path);
  if (!match) return { status: 404, body: { code: 'FLK-0500', title: 'Not Found', message: 'execution not found' } };
  const id = match[1]!;
  const { terminal, step } = stateOf(numberOf(id));
  const status = terminal ? 'completed' : 'running';
  if (match[2]) {
    if (!terminal) return { status: 422, body: { code: 'FLK-0502', title: 'Unprocessable', message: 'execution not terminal' } };
    return {
      status: 200,
      body: {
        executionId: id,
        workflowId: uuidOf(999),
        status,
        stepResults: [{ stepNumber: 1, stepName: 'log', nodeId: 'log-event', status: 'completed', output: { ok: true }, executedAt: STARTED, durationMs: 12 }],
        finalOutput: { amount: 1500 },
        startedAt: STARTED,
        completedAt: COMPLETED,
      },
    };
  }
  return {
    status: 200,
    body: {
      executionId: id,
      workflowId: uuidOf(999),
      status,
      currentStepNumber: live ? step : 2,
      totalSteps: live ? LIVE_STEPS : 4,
      startedAt: STARTED,
      ...(terminal ? { completedAt: COMPLETED } : {}),
    },
  };
}

function polos(path: string): Answer {
  const id = /^\/api\/v1\/executions\/([^/]+)$/.exec(path)?.[1];
  if (!id) return { status: 500, body: '' };
  const { terminal, step } = stateOf(numberOf(id));
  const status = terminal ? 'completed' : 'running';
  return {
    status: 200,
    body: {
      id,
      workflow_id: 'demo_workflow',
      status,
      created_at: STARTED,
      payload: { n: 1 },
      result: terminal ? { answer: 42 } : null,
      error: null,
      retry_count: live ? step : 0,
      parent_execution_id: null,
      root_execution_id: null,
    },
  };
}

/** A run's results: the output node RUNNING (202) until its finish time, then SUCCESS (200). */
function promptlayerRun(n: number): Answer {
  const run = plRuns.get(n)!;
  run.reads++;
  const finished = wallClock() >= run.finishAt;
  const output = { status: finished ? 'SUCCESS' : 'RUNNING', value: finished ? 'done' : null, error_message: null, raw_error_message: null, is_output_node: true };
  return { status: finished ? 200 : 202, body: { Output: output } };
}

/** `POST /workflows/{name}/run`: a new run that finishes at `input_variables.finish_at` and then calls back. */
function startPromptLayerRun(body: string): Answer {
  const parsed = JSON.parse(body) as { input_variables?: { finish_at?: number }; callback_url?: string };
  const n = nextRun++;
  const finishAt = Number(parsed.input_variables?.finish_at ?? wallClock());
  const run = { finishAt, reads: 0, timer: null as NodeJS.Timeout | null };
  plRuns.set(n, run);
  const callbackUrl = parsed.callback_url;
  if (callbackUrl) {
    run.timer = setTimeout(() => {
      if (push.loseCallbacks) return;
      callbacksSent++;
      const payload = `{"workflow_version_execution_id":${n},"final_output":{"Output":{"status":"SUCCESS","value":"done","error_message":null,"raw_error_message":null,"is_output_node":true}}}`;
      void undiciRequest(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload }).then((response) => response.body.dump(), () => {});
    }, Math.max(0, finishAt - wallClock()));
  }
  return { status: callbackUrl ? 202 : 201, body: { success: true, message: 'Workflow execution created successfully', warning: null, workflow_version_execution_id: n } };
}

function promptlayer(url: URL): Answer {
  const id = url.searchParams.get('workflow_version_execution_id');
  if (id && plRuns.has(Number(id))) return promptlayerRun(Number(id));
  if (url.pathname !== '/workflow-version-execution-results' || !id) return { status: 404, body: { success: false, message: 'not found' } };
  const { terminal, step } = stateOf(Number(id));
  if (live) {
    // Progress is finished/total nodes: `step` finished nodes, then the output node, still running.
    const nodes: Record<string, unknown> = {};
    for (let i = 1; i <= step; i++) nodes[`Step ${i}`] = { status: 'SUCCESS', value: i, error_message: null, raw_error_message: null, is_output_node: false };
    nodes.Output = { status: 'RUNNING', value: null, error_message: null, raw_error_message: null, is_output_node: true };
    return { status: 202, body: nodes };
  }
  return {
    status: terminal ? 200 : 202,
    body: {
      'Node 1': { status: 'SUCCESS', value: 'first', error_message: null, raw_error_message: null, is_output_node: false },
      'Node 2': { status: terminal ? 'SUCCESS' : 'RUNNING', value: terminal ? 'Final result' : null, error_message: null, raw_error_message: null, is_output_node: true },
    },
  };
}

/**
 * Polos' event stream for one execution (its own root): a frame per step, sequence = step, sent
 * when the step becomes visible; `keepalive` frames in between; the steps after
 * `last_sequence_id` replayed on connection.
 */
function polosStream(url: URL, res: ServerResponse): void {
  if (push.refuseStreams || !schedule) {
    res.writeHead(500).end();
    return;
  }
  streamsOpened++;
  const n = numberOf(url.searchParams.get('workflow_run_id') ?? '');
  let sent = Number(url.searchParams.get('last_sequence_id') ?? 0);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const frame = (step: number) =>
    `data: {"id":"e${step}","sequence_id":${step},"topic":"workflow/demo_workflow/${uuidOf(n)}","event_type":"step_finish","data":{"step_key":"s${step}","_metadata":{"execution_id":"${uuidOf(n)}"}},"created_at":"${new Date().toISOString()}"}\n\n`;
  let next: NodeJS.Timeout | undefined;
  const sendDue = () => {
    const now = wallClock();
    const step = liveStepAt(schedule!, n, now);
    for (; sent < step; ) res.write(frame(++sent));
    next = setTimeout(sendDue, Math.max(1, liveVisibleAt(schedule!, n, sent + 1) - wallClock()));
    streamTimers.add(next);
  };
  const keepalive = setInterval(() => res.write('data: keepalive\n\n'), push.keepaliveMs);
  streamTimers.add(keepalive);
  sendDue();
  res.on('close', () => {
    clearTimeout(next);
    clearInterval(keepalive);
    streamTimers.delete(keepalive);
  });
}

async function serve(provider: Provider): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    counts[provider]++;
    const url = new URL(req.url ?? '/', 'http://fake');
    if (provider === 'polos' && url.pathname === '/api/v1/events/stream') {
      req.resume();
      return polosStream(url, res);
    }
    if (provider === 'promptlayer' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = startPromptLayerRun(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
      return;
    }
    const answer = provider === 'flowker' ? flowker(url.pathname) : provider === 'polos' ? polos(url.pathname) : promptlayer(url);
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const send = () => {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    req.resume();
    if (latencyMs > 0) setTimeout(send, latencyMs);
    else send();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const servers = { flowker: await serve('flowker'), promptlayer: await serve('promptlayer'), polos: await serve('polos') };

serveRpc(
  {
    configure: (args: { latencyMs?: number; schedule?: LiveSchedule; push?: Partial<typeof push> }) => {
      if (args.latencyMs !== undefined) latencyMs = args.latencyMs;
      if (args.schedule) {
        schedule = args.schedule;
        firstServed.clear(); // a new run: the steps start over, and so do its push counts
        streamsOpened = callbacksSent = 0;
      }
      if (args.push) push = { ...push, ...args.push };
    },
    reset: () => {
      counts.flowker = counts.promptlayer = counts.polos = 0;
      polls.clear();
      pollLog = [];
    },
    counts: () => ({ ...counts, total: counts.flowker + counts.promptlayer + counts.polos }),
    usage,
    /** Live: polls per execution since the last reset, every poll's time, and first-served times. */
    liveRecords: () => ({
      polls: [...polls.entries()],
      pollLog,
      firstServed: [...firstServed.entries()],
      runReads: [...plRuns.entries()].map(([n, run]) => [n, run.reads]),
      streamsOpened,
      callbacksSent,
    }),
    stop: () => {
      for (const timer of streamTimers) clearTimeout(timer);
      for (const run of plRuns.values()) if (run.timer) clearTimeout(run.timer);
      for (const { server } of Object.values(servers)) server.closeAllConnections();
      process.exit(0);
    },
  },
  { urls: { flowker: servers.flowker.url, promptlayer: servers.promptlayer.url, polos: servers.polos.url } },
);
