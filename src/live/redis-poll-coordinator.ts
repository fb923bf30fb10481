/**
 * One poller per execution across replicas, elected through Redis with a lease per execution:
 * a key naming its owner replica, with a TTL (REDIS_LEASE_MS). One Lua script both takes the
 * lease when it is free (SET … PX, as SET NX would) and renews it when this replica already owns
 * it (compare-and-renew); every replica with subscribers for the execution runs it every third of
 * the lease. So the owner renews well before expiry, and a replica that stops renewing (crashed,
 * stalled, cut off from Redis) loses the lease when it expires, to the next replica that tries.
 * A lease is freed at once (compare-and-delete) when its execution ends, loses its last local
 * subscriber, or the replica shuts down.
 *
 * The newest event is kept at `latest:<id>`, for subscribers joining on replicas that do not
 * poll; the owner keeps it alive with each renewal, and it outlives the lease long enough to
 * bridge a hand-over.
 *
 * While Redis is unusable, every replica polls for its own subscribers: more upstream calls, but
 * nobody waits for a leader that cannot be elected or heard. When it returns they contend again,
 * and all but one stop.
 */
import type { LiveEvent } from './events.js';
import type { LeaseHolder, PollCoordinator } from './poll-coordinator.js';
import { parseStored } from '../executions/redis-terminal-cache.js';
import type { RedisLink } from './redis-link.js';

/** KEYS: lease, latest. ARGV: replica id, lease ms, latest ms. Returns 1 when the caller owns the lease. */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** KEYS: lease. ARGV: replica id. Never deletes a lease another replica took meanwhile. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The latest event outlives the lease by this factor, so that it survives a hand-over. */
const LATEST_LEASES = 2;

interface Contender {
  readonly globalId: string;
  readonly holder: LeaseHolder;
  polling: boolean;
  withdrawn: boolean;
}

export class RedisPollCoordinator implements PollCoordinator {
  private readonly contenders = new Map<string, Contender>();
  private readonly releasing = new Set<Promise<void>>();
  private readonly renewal: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly link: RedisLink,
    private readonly leaseMs: number,
  ) {
    this.renewal = setInterval(() => void this.claimAll(), Math.max(1, Math.floor(leaseMs / 3)));
  }

  contend(globalId: string, holder: LeaseHolder): void {
    const contender: Contender = { globalId, holder, polling: false, withdrawn: false };
    this.contenders.set(globalId, contender);
    void this.claim(contender);
  }

  async withdraw(globalId: string): Promise<void> {
    const contender = this.contenders.get(globalId);
    if (!contender) return;
    contender.withdrawn = true;
    this.contenders.delete(globalId);
    // Sent after any claim still in flight on the same connection, so Redis applies it last.
    const release = this.link.commands.eval(RELEASE, 1, this.leaseKey(globalId), this.link.replicaId).then(
      () => {},
      () => {}, // not released: it expires
    );
    this.releasing.add(release);
    await release;
    this.releasing.delete(release);
  }

  async record(globalId: string, event: LiveEvent): Promise<void> {
    await this.link.commands.set(this.latestKey(globalId), JSON.stringify(event), 'PX', this.leaseMs * LATEST_LEASES).catch(() => {});
  }

  async latest(globalId: string): Promise<LiveEvent | null> {
    const json = await this.link.commands.get(this.latestKey(globalId)).catch(() => null);
    return parseStored<LiveEvent>(json) ?? null;
  }

  async close(): Promise<void> {
    clearInterval(this.renewal);
    for (const globalId of [...this.contenders.keys()]) void this.withdraw(globalId);
    // Also those withdrawn before close: the connection closes next, and would drop them.
    await Promise.all(this.releasing);
  }

  /** Skips a round while the previous one is still waiting on a slow Redis. */
  private async claimAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await Promise.all([...this.contenders.values()].map((contender) => this.claim(contender)));
    } finally {
      this.renewing = false;
    }
  }

  private async claim(contender: Contender): Promise<void> {
    const polls = await this.mayPoll(contender.globalId);
    if (contender.withdrawn || contender.polling === polls) return;
    contender.polling = polls;
    if (polls) contender.holder.onGranted();
    else contender.holder.onLost();
  }

  /** True when this replica owns the lease, or cannot count on another replica's poller. */
  private async mayPoll(globalId: string): Promise<boolean> {
    // Degraded includes "cannot hear publications": following would mean hearing nothing.
    if (this.link.state !== 'connected') return true;
    try {
      const owned = await this.link.commands.eval(
        CLAIM,
        2,
        this.leaseKey(globalId),
        this.latestKey(globalId),
        this.link.replicaId,
        this.leaseMs,
        this.leaseMs * LATEST_LEASES,
      );
      return owned === 1;
    } catch {
      return true;
    }
  }

  private leaseKey(globalId: string): string {
    return this.link.key(`lease:${globalId}`);
  }

  private latestKey(globalId: string): string {
    return this.link.key(`latest:${globalId}`);
  }
}
