/**
 * This replica's two Redis connections (one for commands, one in subscriber mode for pub/sub)
 * and its view of whether Redis is usable. Commands fail fast while Redis is away (no offline
 * queue, a command timeout), so that callers fall back at once instead of waiting on an outage;
 * the connections keep reconnecting in the background, and each change of state is logged once.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** `degraded`: Redis is away, or this replica cannot hear other replicas' publications. */
export type RedisState = 'connected' | 'degraded';

export interface RedisLinkOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
}

/** Bounds the one wait at start-up when Redis does not answer at all (dropped packets). */
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnection backoff cap: how late, at most, a replica notices that Redis is back. */
const MAX_RECONNECT_DELAY_MS = 2_000;

export class RedisLink {
  /** This replica's identity in Redis: lease owner, origin of its publications. */
  readonly replicaId = randomUUID();
  readonly commands: Redis;
  readonly subscriber: Redis;
  private resubscribe: () => Promise<void> = async () => {};
  /** Whether the subscriber connection has re-subscribed since it last (re)connected. */
  private listening = false;
  /** The latest re-subscription: connect() waits for the first one before reporting a state. */
  private restoring: Promise<void> = Promise.resolve();
  private reporting = false;
  private reported: RedisState | null = null;
  private lastError: Error | null = null;

  private constructor(
    private readonly options: RedisLinkOptions,
    private readonly logger: Logger,
  ) {
    this.commands = this.open();
    this.subscriber = this.open();
    this.commands.on('ready', () => this.report());
    this.commands.on('close', () => this.report());
    this.subscriber.on('ready', () => {
      this.restoring = this.restoreSubscriptions();
    });
    this.subscriber.on('close', () => {
      this.listening = false;
      this.report();
    });
  }

  /**
   * Opens both connections and waits for the first attempt, so that replicas start coordinated
   * when Redis is there. When it is not, the gateway starts degraded and keeps trying: never fatal.
   */
  static async connect(options: RedisLinkOptions, logger: Logger): Promise<RedisLink> {
    const link = new RedisLink(options, logger);
    await Promise.allSettled([link.commands.connect(), link.subscriber.connect()]);
    await link.restoring;
    link.reporting = true;
    link.report();
    return link;
  }

  get state(): RedisState {
    const up = this.commands.status === 'ready' && this.subscriber.status === 'ready' && this.listening;
    return up ? 'connected' : 'degraded';
  }

  /** Every key and channel name goes through here, so that deployments (and test runs) never collide. */
  key(name: string): string {
    return `${this.options.keyPrefix}${name}`;
  }

  /**
   * What to re-subscribe after each (re)connection of the subscriber connection. The link counts
   * as connected only once that is done: until then this replica could miss publications.
   */
  onSubscriberReady(resubscribe: () => Promise<void>): void {
    this.resubscribe = resubscribe;
  }

  close(): void {
    this.reporting = false;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private open(): Redis {
    const connection = new Redis(this.options.url, {
      lazyConnect: true, // connected by connect(), which waits for the first attempt
      enableOfflineQueue: false, // while disconnected a command fails at once instead of queueing
      maxRetriesPerRequest: 1,
      commandTimeout: this.options.commandTimeoutMs, // Redis up but not answering counts as away
      connectTimeout: CONNECT_TIMEOUT_MS,
      autoResubscribe: false, // RedisPubSub re-subscribes, including channels it got while Redis was away
      enableAutoPipelining: true, // the lease renewals of many executions go out as one batch
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    connection.on('error', (error: Error) => {
      this.lastError = error; // reported with the next change of state, not once per retry
    });
    return connection;
  }

  private async restoreSubscriptions(): Promise<void> {
    try {
      await this.resubscribe();
      this.listening = true;
    } catch (error) {
      this.lastError = error as Error; // dropped again: the next 'ready' tries again
    }
    this.report();
  }

  private report(): void {
    if (!this.reporting) return;
    const state = this.state;
    if (state === this.reported) return;
    this.reported = state;
    if (state === 'connected') {
      this.logger.info('Redis connected: live updates and the terminal cache are shared with the other replicas');
    } else {
      this.logger.warn(
        { err: this.lastError ?? undefined },
        'Redis unavailable: this replica polls for its own subscribers and caches alone until it returns',
      );
    }
  }
}
