/**
 * A fake Polos that pushes, for the live push tests: executions hold a current state that the
 * test moves on (`advance`), `GET /api/v1/executions/{id}` answers it, and
 * `GET /api/v1/events/stream?workflow_id&workflow_run_id[&last_sequence_id]` streams the tree's
 * events as Polos does (docs/upstreams.md §1.6): `data:` frames with a sequence per tree, the
 * literal `keepalive` frame while idle, a replay of the events after `last_sequence_id` on
 * reconnection, the error frame (then close) for a failed run, and no close otherwise.
 * The test can refuse streams, drop them, and see what was asked for.
 */
import type { ServerResponse } from 'node:http';
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from './fake-upstream.js';
import { polosStateBody, type PolosState } from './polos-timeline.js';

interface TreeEvent {
  readonly sequence_id: number;
  readonly event_type: string;
  readonly data: unknown;
}

export interface StreamRequest {
  readonly workflowId: string | null;
  readonly rootId: string | null;
  readonly lastSequenceId: string | null;
}

export interface PushingPolos {
  readonly upstream: FakeUpstream;
  readonly baseUrl: string;
  /** Every stream request, in order. */
  readonly streamRequests: StreamRequest[];
  /** Streams open now, per root. */
  openStreams(rootId?: string): number;
  /** Creates an execution (its root: itself, or the given one) in a first state, without an event. */
  create(id: string, state: PolosState, options?: { rootId?: string; workflowId?: string }): void;
  /** Moves an execution to a state, and publishes an event about it on its tree's stream (unless `event` is null). */
  advance(id: string, state: PolosState, event?: string | null): void;
  /** Publishes an event naming no execution, or a token frame (`text_delta`). */
  publish(rootId: string, eventType: string, executionId?: string | null): void;
  /** Sends the error frame of a failed run on the tree's streams, and closes them. */
  fail(rootId: string, message?: string): void;
  /** Drops every open stream of the tree (as a network failure would). */
  drop(rootId: string): void;
  /** Non-null: streams are refused with this status. */
  refuseWith: number | null;
  /** GET requests for one execution. */
  reads(id: string): number;
  close(): Promise<void>;
}

export async function startPushingPolos(keepaliveMs = 50): Promise<PushingPolos> {
  const states = new Map<string, { state: PolosState; rootId: string; workflowId: string }>();
  const events = new Map<string, TreeEvent[]>();
  const streams = new Map<string, Set<ServerResponse>>();
  const streamRequests: StreamRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const write = (res: ServerResponse, event: TreeEvent) => res.write(`data: ${JSON.stringify({ id: `e${event.sequence_id}`, topic: 't', created_at: new Date().toISOString(), ...event })}\n\n`);
  const emit = (rootId: string, event_type: string, data: unknown) => {
    const list = events.get(rootId) ?? [];
    events.set(rootId, list);
    const event = { sequence_id: list.length + 1, event_type, data };
    list.push(event);
    for (const res of streams.get(rootId) ?? []) write(res, event);
  };

  const stream = (query: URLSearchParams): FakeResponse => {
    const request = { workflowId: query.get('workflow_id'), rootId: query.get('workflow_run_id'), lastSequenceId: query.get('last_sequence_id') };
    streamRequests.push(request);
    if (polos.refuseWith !== null) return { status: polos.refuseWith, body: '' };
    const rootId = request.rootId ?? '';
    return {
      stream: (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': connected\n\n');
        const after = Number(request.lastSequenceId ?? 0);
        for (const event of events.get(rootId) ?? []) if (event.sequence_id > after) write(res, event);
        let open = streams.get(rootId);
        if (!open) streams.set(rootId, (open = new Set()));
        open.add(res);
        const keepalive = setInterval(() => res.write('data: keepalive\n\n'), keepaliveMs);
        timers.add(keepalive);
        res.on('close', () => {
          clearInterval(keepalive);
          timers.delete(keepalive);
          open.delete(res);
        });
      },
    };
  };

  const upstream = await startFakeUpstream((request) => {
    if (request.path === '/api/v1/events/stream') return stream(request.query);
    const id = /^\/api\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1] ?? '';
    const entry = states.get(id);
    if (!entry) return { status: 500, body: '' };
    const body = polosStateBody(id, entry.state);
    return { body: { ...body, workflow_id: entry.workflowId, root_execution_id: entry.rootId === id ? null : entry.rootId, parent_execution_id: entry.rootId === id ? null : entry.rootId } };
  });

  const polos: PushingPolos = {
    upstream,
    baseUrl: upstream.baseUrl,
    streamRequests,
    refuseWith: null,
    openStreams: (rootId) => (rootId === undefined ? [...streams.values()].reduce((sum, set) => sum + set.size, 0) : (streams.get(rootId)?.size ?? 0)),
    create(id, state, options = {}) {
      states.set(id, { state, rootId: options.rootId ?? id, workflowId: options.workflowId ?? `wf-${id.slice(-4)}` });
    },
    advance(id, state, event = 'step_finish') {
      const entry = states.get(id);
      if (!entry) throw new Error(`no execution ${id}`);
      entry.state = state;
      if (event !== null) emit(entry.rootId, event, { step_key: 's', _metadata: { execution_id: id, workflow_id: entry.workflowId } });
    },
    publish(rootId, eventType, executionId = null) {
      emit(rootId, eventType, executionId === null ? { text: 'x' } : { _metadata: { execution_id: executionId } });
    },
    fail(rootId, message = 'boom') {
      for (const res of streams.get(rootId) ?? []) res.end(`data: ${JSON.stringify({ type: 'error', message })}\n\n`);
    },
    drop(rootId) {
      for (const res of streams.get(rootId) ?? []) res.socket?.destroy();
    },
    reads: (id) => upstream.count(`/api/v1/executions/${id}`),
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const set of streams.values()) for (const res of set) res.socket?.destroy();
      await upstream.close();
    },
  };
  return polos;
}
