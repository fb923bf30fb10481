/**
 * Event streams as a push channel (Polos): one stream per execution tree, opened for the tree's
 * root and shared by every watched execution of that tree (child events arrive on the root's
 * topic), held while at least one of them is followed. Only a poller follows, so with replicas
 * only the lease holder holds a stream.
 *
 * - A frame naming a followed execution makes its poller read it again; a frame that ends an
 *   execution (finish, cancel) does so for every followed execution of the tree, since parents
 *   resume and cancels spread through the tree. The literal keepalive frames and streamed tokens
 *   trigger nothing.
 * - A dropped stream reconnects with `last_sequence_id` (the last frame seen), after a backoff
 *   that starts at POLL_INTERVAL_MS and doubles up to POLL_MAX_INTERVAL_MS; a refused one too.
 *   Until it is back its executions are polled as if there were no stream.
 * - Polos ends a failed run's stream with an error frame: that tree is read again and polled
 *   from then on. It never closes the stream of a completed or cancelled run: the stream is
 *   closed here when its last follower goes (its executions' pollers end when they are terminal).
 * - At most `maxStreams` streams are held at once (Polos' SSE pool is small); the trees beyond
 *   that wait for a free slot, in order, and are polled meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Execution } from '../domain/execution.js';
import type { Provider } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { EventStreamSource, UpstreamEvent } from '../upstreams/adapter.js';
import type { PushChannel, PushFollower, PushObserver } from './push.js';

export interface EventStreamsOptions {
  readonly provider: Provider;
  /** First reconnection delay, doubled per consecutive failure up to retryMaxMs (jittered). */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** The workflow id of a tree's root (the stream is opened with it); null when the root cannot be read. */
  readonly rootWorkflowId: (rootId: string) => Promise<string | null>;
}

export interface EventStreamsStatus {
  readonly open: number;
  readonly max: number;
  /** Trees waiting for a free stream slot (polled meanwhile). */
  readonly waiting: number;
}

interface Tree {
  readonly rootId: string;
  workflowId: string | null;
  /** By upstream execution id: the pollers following each execution of the tree. */
  readonly followers: Map<string, Set<PushFollower>>;
  healthy: boolean;
  lastSequence: number | null;
  /** Holds a slot (streaming, connecting or backing off), versus waiting for one or ended. */
  holding: boolean;
  ended: boolean;
  readonly stop: AbortController;
}

export class EventStreams implements PushChannel {
  private readonly trees = new Map<string, Tree>();
  private readonly waiting: Tree[] = [];
  private holding = 0;

  constructor(
    private readonly source: EventStreamSource,
    private readonly options: EventStreamsOptions,
    private readonly observer: PushObserver,
    private readonly logger: Logger,
  ) {}

  get status(): EventStreamsStatus {
    return { open: this.holding, max: this.source.maxStreams, waiting: this.waiting.length };
  }

  follow(execution: Execution, follower: PushFollower): () => void {
    const rootId = execution.rootId ?? execution.upstreamId;
    let tree = this.trees.get(rootId);
    if (!tree) {
      tree = this.open(rootId, rootId === execution.upstreamId ? execution.workflowId : null);
    }
    const own = tree;
    let followers = own.followers.get(execution.upstreamId);
    if (!followers) own.followers.set(execution.upstreamId, (followers = new Set()));
    followers.add(follower);
    follower.setHealthy(own.healthy);
    return () => this.unfollow(own, execution.upstreamId, follower);
  }

  /** Stops every stream (shutdown). */
  close(): void {
    for (const tree of this.trees.values()) tree.stop.abort();
    this.trees.clear();
    this.waiting.length = 0;
  }

  private open(rootId: string, workflowId: string | null): Tree {
    const tree: Tree = { rootId, workflowId, followers: new Map(), healthy: false, lastSequence: null, holding: false, ended: false, stop: new AbortController() };
    this.trees.set(rootId, tree);
    if (this.holding < this.source.maxStreams) void this.hold(tree);
    else this.waiting.push(tree);
    return tree;
  }

  private unfollow(tree: Tree, executionId: string, follower: PushFollower): void {
    const followers = tree.followers.get(executionId);
    followers?.delete(follower);
    if (followers?.size === 0) tree.followers.delete(executionId);
    if (tree.followers.size > 0 || this.trees.get(tree.rootId) !== tree) return;
    this.trees.delete(tree.rootId);
    tree.stop.abort();
    const queued = this.waiting.indexOf(tree);
    if (queued !== -1) this.waiting.splice(queued, 1);
  }

  /** Holds a slot for the tree until it has no followers or its run ended, then passes the slot on. */
  private async hold(tree: Tree): Promise<void> {
    tree.holding = true;
    this.countHolding(+1);
    try {
      await this.stream(tree);
    } finally {
      tree.holding = false;
      this.countHolding(-1);
      this.setHealthy(tree, false);
      const next = this.waiting.shift();
      if (next) void this.hold(next);
    }
  }

  private async stream(tree: Tree): Promise<void> {
    const { signal } = tree.stop;
    for (let failures = 0; !signal.aborted; ) {
      let opened = false;
      // Per connection: the error frame ends this one even if the upstream does not close it, and
      // so does the tree's stop. A listener, not AbortSignal.any: on Node 20 that keeps ≈ 2 KiB per
      // signal for the stream's life (1,000 streams: 2 MiB).
      const connection = new AbortController();
      const stopConnection = () => connection.abort();
      signal.addEventListener('abort', stopConnection, { once: true });
      try {
        tree.workflowId ??= await this.options.rootWorkflowId(tree.rootId);
        if (tree.workflowId === null) throw new Error(`the root execution ${tree.rootId} could not be read`);
        const stream = await this.source.open({ workflowId: tree.workflowId, rootId: tree.rootId }, tree.lastSequence, connection.signal, (event) => {
          failures = 0;
          if (this.handle(tree, event) === 'closed') connection.abort();
        });
        opened = true;
        this.setHealthy(tree, true);
        await stream.ended;
        if (signal.aborted || tree.ended) return;
        throw new Error('the upstream closed the stream');
      } catch (error) {
        if (signal.aborted) return;
        this.setHealthy(tree, false);
        this.observer.onStreamFailure?.(this.options.provider, opened ? 'dropped' : 'refused');
        if (failures++ === 0) {
          this.logger.warn({ err: error, provider: this.options.provider, rootId: tree.rootId }, 'event stream failed: its executions are polled until it is back');
        }
      } finally {
        signal.removeEventListener('abort', stopConnection);
      }
      const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (failures - 1));
      await sleep(Math.round(delay * (0.75 + Math.random() * 0.5)), undefined, { signal }).catch(() => {});
    }
  }

  /** What a frame means for the tree's followers. */
  private handle(tree: Tree, event: UpstreamEvent): 'closed' | 'open' {
    this.observer.onStreamFrame?.(this.options.provider, event.kind);
    if (event.kind === 'activity' || event.kind === 'ignored') {
      if (event.sequence !== null) tree.lastSequence = Math.max(tree.lastSequence ?? event.sequence, event.sequence);
    }
    if (event.kind === 'closed') {
      tree.ended = true;
      this.setHealthy(tree, false);
      this.notify(tree, null);
      return 'closed';
    }
    if (event.kind === 'activity') this.notify(tree, event.ended ? null : (event.executionId ?? tree.rootId));
    return 'open';
  }

  /** One execution's followers, or (null) every follower of the tree. */
  private notify(tree: Tree, executionId: string | null): void {
    const groups = executionId === null ? [...tree.followers.values()] : [tree.followers.get(executionId) ?? new Set<PushFollower>()];
    for (const followers of groups) for (const follower of followers) follower.changed();
  }

  private setHealthy(tree: Tree, healthy: boolean): void {
    const now = healthy && !tree.ended;
    if (tree.healthy === now) return;
    tree.healthy = now;
    for (const followers of tree.followers.values()) for (const follower of followers) follower.setHealthy(now);
  }

  private countHolding(delta: number): void {
    this.holding += delta;
    this.observer.onStreamsChanged?.(this.options.provider, this.holding);
  }
}
