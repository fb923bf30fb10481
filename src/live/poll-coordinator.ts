/**
 * Which replica polls an execution. Every replica with subscribers for an execution contends for
 * it; the coordinator lets one poll at a time and says when that changes, and keeps the poller's
 * newest event where subscribers joining on other replicas can read it. In-process there is
 * nobody to coordinate with: the one replica always polls (see RedisPollCoordinator for replicas).
 */
import type { LiveEvent } from './events.js';

export interface LeaseHolder {
  /** This replica is now the execution's poller: start polling. */
  onGranted(): void;
  /** Another replica is: stop polling, and hear its events through the pub/sub. */
  onLost(): void;
}

export interface PollCoordinator {
  /** Contends for the execution until withdrawn; the holder hears each change of outcome. */
  contend(globalId: string, holder: LeaseHolder): void;
  /** Stops contending and gives the execution up at once, so that another replica can take it. */
  withdraw(globalId: string): Promise<void>;
  /** Keeps the poller's newest event for subscribers who join elsewhere. */
  record(globalId: string, event: LiveEvent): Promise<void>;
  /** The newest event recorded by whichever replica polls the execution, if any. */
  latest(globalId: string): Promise<LiveEvent | null>;
  close(): Promise<void>;
}

export class LocalPollCoordinator implements PollCoordinator {
  contend(_globalId: string, holder: LeaseHolder): void {
    holder.onGranted();
  }

  async withdraw(): Promise<void> {}

  /** In-process, LiveExecutions keeps the newest event it heard for each watched execution. */
  async record(): Promise<void> {}

  async latest(): Promise<LiveEvent | null> {
    return null;
  }

  async close(): Promise<void> {}
}
