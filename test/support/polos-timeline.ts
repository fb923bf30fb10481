/** Scripted Polos executions for the live tests: a state per poll, and the retry timeline of the issue. */
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from './fake-upstream.js';
import { polosBody, type JsonValue } from './payloads.js';

export interface PolosState {
  readonly status: string;
  readonly error?: string | null;
  readonly retry_count?: number;
  readonly result?: JsonValue;
}

/** The Polos `ExecutionResponse` for one scripted state. */
export const polosStateBody = (id: string, state: PolosState) =>
  polosBody(id, state.status, { payload: {}, result: state.result ?? null, error: state.error ?? null, retry_count: state.retry_count ?? 0 });

/** queued → claimed → running → queued again with an error (a retry) → running → completed. */
export const RETRY_TIMELINE: readonly PolosState[] = [
  { status: 'queued' },
  { status: 'claimed' },
  { status: 'running' },
  { status: 'queued', error: 'worker crashed', retry_count: 1 },
  { status: 'running', error: 'worker crashed', retry_count: 1 },
  { status: 'completed', retry_count: 1, result: { answer: 42 } },
];

/** A scripted answer: a state (as an `ExecutionResponse`) or a response as is (a failure, a delay). */
export type ScriptedAnswer = PolosState | FakeResponse;

export interface ScriptedPolos extends FakeUpstream {
  /** Makes `id` answer each of `answers` in turn, one per read, then the last one forever. */
  script(id: string, answers: readonly ScriptedAnswer[]): void;
  /** Forgets every script (and the reads recorded so far). */
  reset(): void;
}

/** A fake Polos whose executions follow their scripts; an id without one gets `unscripted(id)`. */
export async function startScriptedPolos(unscripted: (id: string) => FakeResponse): Promise<ScriptedPolos> {
  const scripts = new Map<string, { answers: readonly ScriptedAnswer[]; served: number }>();
  const upstream = await startFakeUpstream((request) => {
    const id = request.path.split('/').pop()!;
    const entry = scripts.get(id);
    if (!entry) return unscripted(id);
    const answer = entry.answers[Math.min(entry.served++, entry.answers.length - 1)]!;
    return typeof answer.status === 'string' ? { body: polosStateBody(id, answer as PolosState) } : (answer as FakeResponse);
  });
  return Object.assign(upstream, {
    script: (id: string, answers: readonly ScriptedAnswer[]) => void scripts.set(id, { answers, served: 0 }),
    reset: () => {
      scripts.clear();
      upstream.requests.length = 0;
    },
  });
}
