/**
 * Upstream push, as the live layer sees it: a channel per provider that can push (Polos' event
 * stream, PromptLayer's callbacks; Flowker has none and is polled). A push is a trigger, never
 * state: the execution's poller reads it again at once, and the read decides. While a channel is
 * healthy for an execution its poller polls only as a slow safety net (POLL_SAFETY_INTERVAL_MS),
 * because pushes can be lost and some changes send none; while it is not, it polls as usual.
 */
import type { Execution } from '../domain/execution.js';
import type { Provider } from '../domain/ids.js';

export interface PushFollower {
  /** The upstream says something happened to the execution: read it again now. */
  changed(): void;
  /** Whether the channel can be counted on for this execution right now. */
  setHealthy(healthy: boolean): void;
}

export interface PushChannel {
  /** Follows a watched execution from its first snapshot on; returns the function that stops following it. */
  follow(execution: Execution, follower: PushFollower): () => void;
}

export type PushChannels = Partial<Record<Provider, PushChannel>>;

/** Hooks for metrics; the live layer does not know about prom-client. */
export interface PushObserver {
  onStreamsChanged?(provider: Provider, open: number): void;
  onStreamFrame?(provider: Provider, kind: string): void;
  onStreamFailure?(provider: Provider, reason: 'refused' | 'dropped'): void;
  onCallback?(provider: Provider, outcome: string): void;
  onTriggeredRead?(provider: Provider, source: 'stream' | 'callback'): void;
}
