/**
 * Subscribers in, pollers out. Each watched execution gets exactly one poller in this process,
 * reference-counted across its subscribers and stopped when the last one leaves; each
 * subscriber gets the current snapshot at once, then every observable change, and its stream
 * ends after the terminal (or not-found) event. Every resource a watch takes is released when
 * its stream ends, however it ends.
 */
import { Repeater } from '@repeaterjs/repeater';
import pThrottle from 'p-throttle';
import type { Execution } from '../domain/execution.js';
import { isTerminal } from '../domain/execution.js';
import { formatGlobalId, type ExecutionRef, type Provider } from '../domain/ids.js';
import type { ExecutionReader } from '../executions/reader.js';
import { hasObservableChange } from './change.js';
import { topicFor, type LiveEvent } from './events.js';
import { ExecutionPoller, type PollerOptions } from './poller.js';
import type { PubSub } from './pubsub.js';

export interface LiveOptions extends PollerOptions {
  /** Upper bound on poll requests per second to any one upstream, across all pollers. */
  readonly maxPollsPerSecond: number;
}

export interface LiveObserver {
  onPollersChanged?(count: number): void;
  onSubscribersChanged?(delta: number): void;
}

interface PollerEntry {
  readonly poller: ExecutionPoller;
  subscribers: number;
}

export class LiveExecutions {
  private readonly pollers = new Map<string, PollerEntry>();
  private readonly gates = new Map<Provider, () => Promise<void>>();

  constructor(
    private readonly reader: ExecutionReader,
    private readonly pubsub: PubSub<LiveEvent>,
    private readonly options: LiveOptions,
    private readonly observer: LiveObserver = {},
  ) {
    if (!(options.maxPollsPerSecond > 0)) throw new TypeError(`maxPollsPerSecond must be positive, got ${options.maxPollsPerSecond}.`);
  }

  get activePollers(): number {
    return this.pollers.size;
  }

  /** One execution's events: current snapshot, each change, then the terminal event. */
  watch(ref: ExecutionRef): AsyncIterableIterator<LiveEvent> {
    const globalId = formatGlobalId(ref);
    return new Repeater<LiveEvent>(async (push, stop) => {
      let delivered: Execution | null = null;
      // Events can arrive twice (the replayed latest one and its publication) and, after a
      // poller hand-over, from a poller that saw an older state: only real changes go through.
      const deliver = (event: LiveEvent) => {
        if (event.type === 'snapshot') {
          if (!hasObservableChange(delivered, event.execution)) return;
          delivered = event.execution;
        } else {
          delivered = null; // after an error, the next snapshot tells the client it is over
        }
        void push(event);
        if (event.type === 'not_found' || (event.type === 'snapshot' && isTerminal(event.execution))) stop();
      };
      const unsubscribe = await this.pubsub.subscribe(topicFor(globalId), deliver);
      const entry = this.acquire(ref, globalId);
      this.observer.onSubscribersChanged?.(1);
      if (entry.poller.latest) deliver(entry.poller.latest);
      await stop;
      this.observer.onSubscribersChanged?.(-1);
      this.release(globalId, entry);
      await unsubscribe();
    });
  }

  /** Several executions in one stream; it ends when every one of them has ended. */
  watchMany(refs: readonly ExecutionRef[]): AsyncIterableIterator<LiveEvent> {
    const unique = new Map(refs.map((ref) => [formatGlobalId(ref), ref]));
    return Repeater.merge([...unique.values()].map((ref) => this.watch(ref)));
  }

  async close(): Promise<void> {
    for (const { poller } of this.pollers.values()) poller.stop();
    this.pollers.clear();
    this.observer.onPollersChanged?.(0);
  }

  private acquire(ref: ExecutionRef, globalId: string): PollerEntry {
    const existing = this.pollers.get(globalId);
    if (existing) {
      existing.subscribers++;
      return existing;
    }
    const poller: ExecutionPoller = new ExecutionPoller(ref, this.options, {
      reader: this.reader,
      publish: (event) => this.pubsub.publish(topicFor(globalId), event),
      gate: this.gateFor(ref.provider),
      onFinished: () => this.forget(globalId, poller),
    });
    const entry: PollerEntry = { poller, subscribers: 1 };
    this.pollers.set(globalId, entry);
    this.observer.onPollersChanged?.(this.pollers.size);
    poller.start();
    return entry;
  }

  private release(globalId: string, entry: PollerEntry): void {
    entry.subscribers--;
    if (entry.subscribers === 0) {
      entry.poller.stop();
      this.forget(globalId, entry.poller);
    }
  }

  /** Only if it is still the id's current poller: a finished one may have been replaced. */
  private forget(globalId: string, poller: ExecutionPoller): void {
    if (this.pollers.get(globalId)?.poller !== poller) return;
    this.pollers.delete(globalId);
    this.observer.onPollersChanged?.(this.pollers.size);
  }

  private gateFor(provider: Provider): () => Promise<void> {
    let gate = this.gates.get(provider);
    if (!gate) {
      gate = pThrottle({ limit: Math.max(1, Math.floor(this.options.maxPollsPerSecond / 10)), interval: 100 })(async () => {});
      this.gates.set(provider, gate);
    }
    return gate;
  }
}
