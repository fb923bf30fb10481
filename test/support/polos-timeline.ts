/** Scripted Polos executions for the live tests: a state per poll, and the retry timeline of the issue. */
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
