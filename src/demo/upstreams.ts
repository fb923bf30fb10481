/**
 * Embedded demo upstreams for `npm start` without configuration: simulated Flowker, PromptLayer
 * and Polos APIs in this process, on one local port (one path prefix each), speaking their real
 * wire formats, with a handful of executions that move through their statuses over about 30 s
 * and then stay terminal, and workflows to start more (which play the same way from their
 * start), cancel (Polos) and list (Flowker, Polos). They push as the real ones do: Polos streams
 * each execution tree's events, PromptLayer calls a run's callback_url when it finishes.
 */
import type { JsonValue } from '../domain/execution.js';
import { startDemoServer, type DemoExample, type DemoUpstream, type DemoWorkflow } from './http.js';
import { createFlowker, FLOWKER_DEMO, FLOWKER_STARTABLE } from './flowker.js';
import { createPolos, POLOS_DEMO, POLOS_STARTABLE } from './polos.js';
import { createPromptLayer, PROMPTLAYER_DEMO, PROMPTLAYER_STARTABLE } from './promptlayer.js';
import type { DemoClock } from './timeline.js';

export type DemoProvider = 'flowker' | 'promptlayer' | 'polos';

export interface DemoUpstreams {
  /** env vars to point the gateway at the demo: FLOWKER_BASE_URL, FLOWKER_API_KEY, PROMPTLAYER_BASE_URL, PROMPTLAYER_API_KEY, POLOS_BASE_URL, POLOS_API_KEY, POLOS_PROJECT_ID */
  readonly env: Readonly<Record<string, string>>;
  /** The demo executions as gateway global ids, with a one-line description each. */
  readonly examples: readonly { id: string; description: string }[];
  /**
   * The workflows `startExecution` can start on the demo, as its input names them: `provider`
   * (upper-case it for the GraphQL `Provider` enum), `workflowId`, and an `input` they accept.
   */
  readonly workflows: readonly DemoStartableWorkflow[];
  /** Requests the demo upstreams received (every one, auth failures included), per provider or in all. */
  readonly stats: { requests(provider?: DemoProvider): number };
  close(): Promise<void>;
}

export interface DemoStartableWorkflow {
  readonly provider: DemoProvider;
  readonly workflowId: string;
  readonly description: string;
  readonly input: JsonValue;
}

export interface DemoOptions {
  /** Where to listen; the port is always chosen by the system. */
  readonly host?: string;
  /** Stretches (> 1) or compresses (< 1) every timeline; tests use a small value. */
  readonly timeScale?: number;
  readonly now?: () => number;
}

const FLOWKER_API_KEY = 'demo-flowker-key';
const PROMPTLAYER_API_KEY = 'demo-promptlayer-key';
const POLOS_API_KEY = 'sk_demo_polos_key';
const POLOS_PROJECT_ID = '0d0000ee-0000-4000-8000-000000000001';

export async function startDemoUpstreams(options: DemoOptions = {}): Promise<DemoUpstreams> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && Number.isFinite(timeScale))) throw new RangeError(`timeScale must be a positive number, not ${timeScale}.`);
  const clock: DemoClock = { now: options.now ?? Date.now, timeScale };

  const flowker = createFlowker(clock, FLOWKER_API_KEY);
  const promptlayer = createPromptLayer(clock, PROMPTLAYER_API_KEY);
  const polos = createPolos(clock, { apiKey: POLOS_API_KEY, projectId: POLOS_PROJECT_ID });

  // One start for all, so that a parent and the child it spawns at 6 s agree on the time.
  const startMs = clock.now();
  const examples = [
    ...seed('flowker', flowker, FLOWKER_DEMO, startMs),
    ...seed('promptlayer', promptlayer, PROMPTLAYER_DEMO, startMs),
    ...seed('polos', polos, POLOS_DEMO, startMs),
  ];

  const server = await startDemoServer(options.host ?? '127.0.0.1', {
    flowker: flowker.handle,
    promptlayer: promptlayer.handle,
    polos: polos.handle,
  });
  return {
    env: {
      FLOWKER_BASE_URL: `${server.origin}/flowker`,
      FLOWKER_API_KEY,
      PROMPTLAYER_BASE_URL: `${server.origin}/promptlayer`,
      PROMPTLAYER_API_KEY,
      POLOS_BASE_URL: `${server.origin}/polos`,
      POLOS_API_KEY,
      POLOS_PROJECT_ID,
    },
    examples,
    workflows: [
      ...startable('flowker', FLOWKER_STARTABLE),
      ...startable('promptlayer', PROMPTLAYER_STARTABLE),
      ...startable('polos', POLOS_STARTABLE),
    ],
    stats: { requests: (provider) => server.requests(provider) },
    close: () => {
      promptlayer.close?.();
      return server.close();
    },
  };
}

function seed<Plan extends { readonly id: string }>(
  provider: DemoProvider,
  upstream: DemoUpstream<Plan>,
  demo: readonly DemoExample<Plan>[],
  startMs: number,
): { id: string; description: string }[] {
  return demo.map(({ plan, description }) => {
    upstream.add(plan, startMs);
    return { id: `${provider}:${plan.id}`, description };
  });
}

const startable = (provider: DemoProvider, workflows: readonly DemoWorkflow[]): DemoStartableWorkflow[] =>
  workflows.map(({ workflowId, description, input }) => ({ provider, workflowId, description, input }));
