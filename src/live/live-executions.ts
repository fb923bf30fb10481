/**
 * Subscribers in, pollers out. Each watched execution is reference-counted across its
 * subscribers in this process and polled by at most one poller, here or, with replicas, on
 * whichever replica the PollCoordinator elects (this one contends while it has subscribers);
 * each subscriber gets the current snapshot at once, then every observable change, and its
 * stream ends after the terminal (or not-found) event. Every resource a watch takes is released
 * when its stream ends, however it ends.
 */
import { Repeater } from '@repeaterjs/repeater';
import pThrottle from 'p-throttle';
import type { Execution } from '../domain/execution.js';
import { isTerminal } from '../domain/execution.js';
import { formatGlobalId, type ExecutionRef, type Provider } from '../domain/ids.js';
import type { ExecutionReader } from '../executions/reader.js';
import { hasObservableChange } from './change.js';
import { topicFor, type LiveEvent } from './events.js';
import { LocalPollCoordinator, type PollCoordinator } from './poll-coordinator.js';
import { ExecutionPoller, type PollerOptions, type PollObserver } from './poller.js';
import type { PubSub } from './pubsub.js';

export interface LiveOptions extends PollerOptions {
  /** Upper bound on poll requests per second to any one upstream, across all pollers. */
  readonly maxPollsPerSecond: number;
}

export interface LiveObserver {
  onPollersChanged?(count: number): void;
  onSubscribersChanged?(delta: number): void;
  /** Runs every poll (a tracer: one span per read). */
  observePoll?: PollObserver;
  /** Called as a subscriber starts watching, in its context: returns what to call with each event it is sent. */
  observeSubscriber?(globalId: string): (event: LiveEvent) => void;
}

interface WatchEntry {
  readonly ref: ExecutionRef;
  readonly globalId: string;
  subscribers: number;
  /** Set while this replica is the execution's poller. */
  poller: ExecutionPoller | null;
}

export class LiveExecutions {
  private readonly watched = new Map<string, WatchEntry>();
  private readonly gates = new Map<Provider, () => Promise<void>>();
  private polling = 0;

  constructor(
    private readonly reader: ExecutionReader,
    private readonly pubsub: PubSub<LiveEvent>,
    private readonly options: LiveOptions,
    private readonly observer: LiveObserver = {},
    private readonly coordinator: PollCoordinator = new LocalPollCoordinator(),
  ) {
    if (!(options.maxPollsPerSecond > 0)) throw new TypeError(`maxPollsPerSecond must be positive, got ${options.maxPollsPerSecond}.`);
  }

  /** Executions this process polls (with replicas: those whose lease it holds). */
  get activePollers(): number {
    return this.polling;
  }

  /** One execution's events: current snapshot, each change, then the terminal event. */
  watch(ref: ExecutionRef): AsyncIterableIterator<LiveEvent> {
    const globalId = formatGlobalId(ref);
    const sent = this.observer.observeSubscriber?.(globalId);
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
        sent?.(event);
        void push(event);
        if (event.type === 'not_found' || (event.type === 'snapshot' && isTerminal(event.execution))) stop();
      };
      let heard = false;
      const unsubscribe = await this.pubsub.subscribe(topicFor(globalId), (event) => {
        heard = true;
        deliver(event);
      });
      const entry = this.acquire(ref, globalId);
      this.observer.onSubscribersChanged?.(1);
      // The current state, from this process's poller or the one another replica recorded. An
      // event heard while reading it is at least as new: replaying the read one would go back.
      const latest = entry.poller?.latest ?? (await this.coordinator.latest(globalId));
      if (latest && !heard) deliver(latest);
      await stop;
      this.observer.onSubscribersChanged?.(-1);
      this.release(entry);
      await unsubscribe();
    });
  }

  /** Several executions in one stream; it ends when every one of them has ended. */
  watchMany(refs: readonly ExecutionRef[]): AsyncIterableIterator<LiveEvent> {
    const unique = new Map(refs.map((ref) => [formatGlobalId(ref), ref]));
    return Repeater.merge([...unique.values()].map((ref) => this.watch(ref)));
  }

  /** Stops polling and gives up every lease, so that other replicas take over at once. */
  async close(): Promise<void> {
    await Promise.all([...this.watched.values()].map((entry) => this.forget(entry)));
  }

  private acquire(ref: ExecutionRef, globalId: string): WatchEntry {
    const existing = this.watched.get(globalId);
    if (existing) {
      existing.subscribers++;
      return existing;
    }
    const entry: WatchEntry = { ref, globalId, subscribers: 1, poller: null };
    this.watched.set(globalId, entry);
    this.coordinator.contend(globalId, { onGranted: () => this.startPolling(entry), onLost: () => this.stopPolling(entry) });
    return entry;
  }

  private release(entry: WatchEntry): void {
    entry.subscribers--;
    if (entry.subscribers === 0) void this.forget(entry);
  }

  /** A new poller each time: its first poll publishes the current state, whoever polled before. */
  private startPolling(entry: WatchEntry): void {
    const poller = new ExecutionPoller(entry.ref, this.options, {
      reader: this.reader,
      publish: (event) => this.publish(entry.globalId, event),
      gate: this.gateFor(entry.ref.provider),
      onFinished: () => void this.forget(entry),
      observePoll: this.observer.observePoll,
    });
    entry.poller = poller;
    this.countPollers(+1);
    poller.start();
  }

  private stopPolling(entry: WatchEntry): void {
    if (!entry.poller) return;
    entry.poller.stop();
    entry.poller = null;
    this.countPollers(-1);
  }

  /** Only if it is still the id's current entry: a finished one may have been replaced. */
  private async forget(entry: WatchEntry): Promise<void> {
    if (this.watched.get(entry.globalId) !== entry) return;
    this.watched.delete(entry.globalId);
    this.stopPolling(entry);
    await this.coordinator.withdraw(entry.globalId);
  }

  /** Recorded first: a subscriber joining in between reads it, one joining after hears it. */
  private async publish(globalId: string, event: LiveEvent): Promise<void> {
    await this.coordinator.record(globalId, event);
    await this.pubsub.publish(topicFor(globalId), event);
  }

  private countPollers(delta: number): void {
    this.polling += delta;
    this.observer.onPollersChanged?.(this.polling);
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
