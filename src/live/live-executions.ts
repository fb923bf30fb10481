/**
 * Subscribers in, pollers out. Each watched execution is reference-counted across its
 * subscribers in this process and polled by at most one poller, here or, with replicas, on
 * whichever replica the PollCoordinator elects (this one contends while it has subscribers);
 * each subscriber gets the current snapshot at once, then every observable change, and its
 * stream ends after the terminal (or not-found) event. Every resource a watch takes is released
 * when its stream ends, however it ends.
 *
 * Fan-out is per execution, not per subscriber: one pub/sub listener per watched execution, and
 * each subscriber is one small SubscriberStream (no per-subscriber listener, promise machinery or
 * closures), so that 10,000 subscribers cost little heap. The poller of an execution whose
 * upstream pushes follows its push channel (see push.ts) while it polls.
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
import { ExecutionPoller, readSnapshot, type PollerOptions, type PollObserver } from './poller.js';
import type { PubSub } from './pubsub.js';
import type { PushChannels, PushObserver } from './push.js';

export interface LiveOptions extends PollerOptions {
  /** Upper bound on poll requests per second to any one upstream, across all pollers. */
  readonly maxPollsPerSecond: number;
}

export interface LiveObserver extends PushObserver {
  onPollersChanged?(count: number): void;
  onSubscribersChanged?(delta: number): void;
  /** Runs every poll (a tracer: one span per read). */
  observePoll?: PollObserver;
  /** Called as a subscriber starts watching, in its context: returns what to call with each event it is sent. */
  observeSubscriber?(globalId: string): (event: LiveEvent) => void;
}

/** What the live layer is built from (src/server/gateway.ts wires it). */
export interface LiveExecutionsParts {
  readonly reader: ExecutionReader;
  readonly pubsub: PubSub<LiveEvent>;
  readonly options: LiveOptions;
  readonly observer?: LiveObserver;
  /** Who polls which execution: this replica alone by default, or one elected across replicas. */
  readonly coordinator?: PollCoordinator;
  /** The providers that push (see push.ts); the others are polled. */
  readonly push?: PushChannels;
}

interface WatchEntry {
  readonly ref: ExecutionRef;
  readonly globalId: string;
  readonly subscribers: Set<SubscriberStream>;
  /** The newest event heard for the execution, from this replica's poller or, through the pub/sub, another's. */
  latest: LiveEvent | null;
  /** Set while this replica is the execution's poller. */
  poller: ExecutionPoller | null;
  /** Set while the poller follows the execution's push channel. */
  unfollow: (() => void) | null;
  unsubscribe: Promise<() => Promise<void>>;
}

export class LiveExecutions {
  private readonly watched = new Map<string, WatchEntry>();
  private readonly gates = new Map<Provider, () => Promise<void>>();
  private polling = 0;

  private readonly reader: ExecutionReader;
  private readonly pubsub: PubSub<LiveEvent>;
  private readonly options: LiveOptions;
  private readonly observer: LiveObserver;
  private readonly coordinator: PollCoordinator;
  private readonly push: PushChannels;

  constructor({ reader, pubsub, options, observer = {}, coordinator = new LocalPollCoordinator(), push = {} }: LiveExecutionsParts) {
    if (!(options.maxPollsPerSecond > 0)) throw new TypeError(`maxPollsPerSecond must be positive, got ${options.maxPollsPerSecond}.`);
    this.reader = reader;
    this.pubsub = pubsub;
    this.options = options;
    this.observer = observer;
    this.coordinator = coordinator;
    this.push = push;
  }

  /** Executions this process polls (with replicas: those whose lease it holds). */
  get activePollers(): number {
    return this.polling;
  }

  /** One execution's events: current snapshot, each change, then the terminal event. */
  watch(ref: ExecutionRef): AsyncIterableIterator<LiveEvent> {
    const entry = this.acquire(ref);
    const stream = new SubscriberStream(this, entry, this.observer.observeSubscriber?.(entry.globalId));
    entry.subscribers.add(stream);
    this.observer.onSubscribersChanged?.(1);
    if (entry.latest) stream.deliver(entry.latest);
    return stream;
  }

  /** Several executions in one stream; it ends when every one of them has ended. */
  watchMany(refs: readonly ExecutionRef[]): AsyncIterableIterator<LiveEvent> {
    const unique = new Map(refs.map((ref) => [formatGlobalId(ref), ref]));
    return Repeater.merge([...unique.values()].map((ref) => this.watch(ref)));
  }

  /**
   * The upstream pushed a change for this execution to this replica (a PromptLayer callback):
   * its poller here reads it again; without one, this replica reads it and publishes what it
   * reads, so that subscribers on every replica hear it even if this one polls nothing.
   */
  async pushed(ref: ExecutionRef): Promise<void> {
    this.observer.onTriggeredRead?.(ref.provider, 'callback');
    const poller = this.watched.get(formatGlobalId(ref))?.poller;
    if (poller) return poller.trigger();
    // Through the terminal cache: a callback for a run already seen finished costs nothing.
    const execution = await readSnapshot(this.reader, ref, true);
    await this.publish(formatGlobalId(ref), execution ? { type: 'snapshot', execution } : { type: 'not_found', globalId: formatGlobalId(ref) });
  }

  /** Stops polling and gives up every lease, so that other replicas take over at once. */
  async close(): Promise<void> {
    await Promise.all([...this.watched.values()].map((entry) => this.forget(entry)));
  }

  /** Called by a subscriber's stream when it ends, however it ends. */
  release(entry: WatchEntry, stream: SubscriberStream): void {
    if (!entry.subscribers.delete(stream)) return;
    this.observer.onSubscribersChanged?.(-1);
    if (entry.subscribers.size === 0) void this.forget(entry);
  }

  private acquire(ref: ExecutionRef): WatchEntry {
    const globalId = formatGlobalId(ref);
    const existing = this.watched.get(globalId);
    if (existing) return existing;
    const entry: WatchEntry = {
      ref,
      globalId,
      subscribers: new Set(),
      latest: null,
      poller: null,
      unfollow: null,
      // Listening before anyone polls: the listener is in place before the first publication.
      unsubscribe: this.pubsub.subscribe(topicFor(globalId), (event) => this.hear(entry, event)),
    };
    this.watched.set(globalId, entry);
    this.coordinator.contend(globalId, { onGranted: () => this.startPolling(entry), onLost: () => this.stopPolling(entry) });
    void this.catchUp(entry);
    return entry;
  }

  /**
   * The state another replica's poller recorded, for subscribers of a replica that does not poll
   * the execution. An event heard while reading it is at least as new: replaying the read one would go back.
   */
  private async catchUp(entry: WatchEntry): Promise<void> {
    await entry.unsubscribe;
    if (entry.latest) return;
    const recorded = await this.coordinator.latest(entry.globalId);
    if (recorded && !entry.latest) this.hear(entry, recorded);
  }

  private hear(entry: WatchEntry, event: LiveEvent): void {
    entry.latest = event;
    for (const stream of entry.subscribers) stream.deliver(event);
  }

  /** A new poller each time: its first poll publishes the current state, whoever polled before. */
  private startPolling(entry: WatchEntry): void {
    const poller = new ExecutionPoller(entry.ref, this.options, {
      reader: this.reader,
      publish: (event) => {
        if (event.type === 'snapshot') this.follow(entry, event.execution);
        return this.publish(entry.globalId, event);
      },
      gate: this.gateFor(entry.ref.provider),
      onFinished: () => void this.forget(entry),
      observePoll: this.observer.observePoll,
    });
    entry.poller = poller;
    this.countPollers(+1);
    poller.start();
  }

  /** From the poller's first snapshot on (a Polos stream is opened for the execution's root). */
  private follow(entry: WatchEntry, execution: Execution): void {
    const channel = this.push[entry.ref.provider];
    const poller = entry.poller;
    if (!channel || !poller || entry.unfollow || isTerminal(execution)) return;
    entry.unfollow = channel.follow(execution, {
      changed: () => {
        this.observer.onTriggeredRead?.(entry.ref.provider, 'stream');
        poller.trigger();
      },
      setHealthy: (healthy) => poller.setPushHealthy(healthy),
    });
  }

  private stopPolling(entry: WatchEntry): void {
    entry.unfollow?.();
    entry.unfollow = null;
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
    for (const stream of entry.subscribers) stream.end();
    await this.coordinator.withdraw(entry.globalId);
    await (await entry.unsubscribe)();
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

const DONE: IteratorResult<LiveEvent> = Object.freeze({ value: undefined, done: true });

/**
 * One subscriber's events, as the async iterator graphql-js consumes: a queue that is usually
 * empty (graphql-ws pulls each event as soon as it is there). Events can arrive twice (the
 * replayed latest one and its publication) and, after a poller hand-over, from a poller that saw
 * an older state: only real changes go through. The stream ends after the terminal or not-found
 * event, or when the client leaves (`return`), and then releases its watch.
 */
class SubscriberStream implements AsyncIterableIterator<LiveEvent> {
  private delivered: Execution | null = null;
  private queued: LiveEvent[] | null = null;
  private waiter: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  private ended = false;

  constructor(
    private readonly live: LiveExecutions,
    private readonly entry: WatchEntry,
    /** The tracer's record of what this subscriber was sent, when tracing. */
    private readonly sent: ((event: LiveEvent) => void) | undefined,
  ) {}

  deliver(event: LiveEvent): void {
    if (this.ended) return;
    if (event.type === 'snapshot') {
      if (!hasObservableChange(this.delivered, event.execution)) return;
      this.delivered = event.execution;
    } else {
      this.delivered = null; // after an error, the next snapshot tells the client it is over
    }
    this.sent?.(event);
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake({ value: event, done: false });
    } else {
      (this.queued ??= []).push(event);
    }
    if (event.type === 'not_found' || (event.type === 'snapshot' && isTerminal(event.execution))) this.end();
  }

  /** No more events: what is queued is still delivered, then the iterator is done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.live.release(this.entry, this);
    if (this.waiter && !this.queued?.length) {
      const wake = this.waiter;
      this.waiter = null;
      wake(DONE);
    }
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    const event = this.queued?.shift();
    // An emptied queue is dropped: an array that has been pushed to keeps room for 17 events.
    if (this.queued?.length === 0) this.queued = null;
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    this.queued = null;
    this.end();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<LiveEvent>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LiveEvent> {
    return this;
  }
}
