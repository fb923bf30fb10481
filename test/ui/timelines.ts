/**
 * Scripted fake upstreams for the UI and CLI tests: each execution answers the next state of its
 * script per request (each state `repeat` times, then the last one forever), so a gateway polling
 * every few milliseconds walks it through a timeline; or the state the test `set` last. Unknown
 * Polos ids answer what Polos answers for them (500, empty body → NOT_FOUND).
 */
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-upstream.js';
import { polosBody, type PolosExecutionPayload } from '../support/payloads.js';

interface Script {
  readonly states: readonly FakeResponse[];
  readonly repeat: number;
  served: number;
}

export class Timelines {
  private readonly scripts = new Map<string, Script>();
  /** The fake upstreams answering from these timelines, once started. */
  polos: FakeUpstream | undefined;
  promptlayer: FakeUpstream | undefined;

  /** Starts a fake Polos and a fake PromptLayer that answer from these timelines: their base URLs. */
  async start(): Promise<{ polos: string; promptlayer: string }> {
    [this.polos, this.promptlayer] = await Promise.all([startPolos(this), startPromptLayer(this)]);
    return { polos: this.polos.baseUrl, promptlayer: this.promptlayer.baseUrl };
  }

  async close(): Promise<void> {
    await Promise.all([this.polos?.close(), this.promptlayer?.close()]);
  }

  /** Registers an execution's responses, each answered `repeat` times in a row. */
  script(key: string, states: readonly FakeResponse[], repeat = 1): void {
    this.scripts.set(key, { states, repeat, served: 0 });
  }

  /**
   * Makes `key` answer `state` until told otherwise: browser tests step an execution through its
   * states one at a time, each once the page shows the previous one, so no state can be missed
   * however slow the machine.
   */
  set(key: string, state: FakeResponse): void {
    this.script(key, [state]);
  }

  /** The next response for `key`, or undefined when it has no script. */
  next(key: string): FakeResponse | undefined {
    const script = this.scripts.get(key);
    if (!script) return undefined;
    const index = Math.min(Math.floor(script.served++ / script.repeat), script.states.length - 1);
    return script.states[index];
  }
}

// --- Polos: GET /api/v1/executions/{id} -------------------------------------------------------

export const polosState = (id: string, status: string, extra: Partial<PolosExecutionPayload> = {}): FakeResponse => ({
  body: polosBody(id, status, { workflow_id: 'generate_report', started_at: '2026-03-17T14:35:01Z', payload: { customer: 'ACME' }, result: null, ...extra }),
});

async function startPolos(timelines: Timelines): Promise<FakeUpstream> {
  return startFakeUpstream((request) => {
    const id = /^\/api\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1] ?? '';
    return timelines.next(`polos:${id}`) ?? { status: 500, body: '' };
  });
}

// --- PromptLayer: GET /workflow-version-execution-results?workflow_version_execution_id= ------

export type NodeStatus = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'SKIPPED';

/** 202 while any node is unfinished, 200 once all are; node values are their names. */
export const promptLayerState = (nodes: Record<string, NodeStatus>, output?: string): FakeResponse => {
  const names = Object.keys(nodes);
  const done = Object.values(nodes).every((status) => status === 'SUCCESS' || status === 'FAILED' || status === 'SKIPPED');
  return {
    status: done ? 200 : 202,
    body: Object.fromEntries(
      names.map((name, index) => {
        const status = nodes[name]!;
        const isOutput = index === names.length - 1;
        return [
          name,
          {
            status,
            value: status === 'SUCCESS' ? (isOutput && output !== undefined ? output : `${name} done`) : null,
            error_message: status === 'FAILED' ? `${name} failed` : null,
            raw_error_message: null,
            is_output_node: isOutput,
          },
        ];
      }),
    ),
  };
};

async function startPromptLayer(timelines: Timelines): Promise<FakeUpstream> {
  return startFakeUpstream((request) => {
    const id = request.query.get('workflow_version_execution_id') ?? '';
    return timelines.next(`promptlayer:${id}`) ?? { status: 404, body: { success: false, message: 'Workflow version execution not found' } };
  });
}
