/**
 * Callback tokens: which execution each per-run callback URL reports on, and whether its callback
 * was applied already. In memory for a single replica; with REDIS_URL in Redis too, so that
 * whichever replica PromptLayer reaches can apply a callback for a run another replica started.
 * A token lives CALLBACK_TTL_MS (runs wait at most an hour in PromptLayer's SDKs), applied or not,
 * so that a replay is recognised as one rather than as an unknown token.
 */
import { LRUCache } from 'lru-cache';
import type { RedisLink } from './redis-link.js';

export type CallbackClaim =
  /** First callback for the token: apply it. `globalId` null: the run's start has not been answered yet. */
  | { readonly outcome: 'accepted'; readonly globalId: string | null }
  | { readonly outcome: 'replayed' }
  | { readonly outcome: 'unknown' };

export interface CallbackStore {
  /** Before the run starts, so that a callback racing the start's answer is still known. */
  reserve(token: string): Promise<void>;
  bind(token: string, globalId: string): Promise<void>;
  /** The run did not start: its token is forgotten. */
  discard(token: string): Promise<void>;
  /** Whether the token exists and was applied, and the execution it is bound to, without changing it. */
  peek(token: string): Promise<TokenPeek>;
  /** Marks the token applied, atomically: exactly one caller gets `accepted`. */
  claim(token: string): Promise<CallbackClaim>;
  /** Whether a callback is still expected for the execution (its poller may then slow down). */
  expecting(globalId: string): Promise<boolean>;
}

export interface TokenPeek {
  readonly state: 'pending' | 'applied' | 'unknown';
  readonly globalId: string | null;
}

const CALLBACK_TTL_MS = 24 * 3_600_000;
const MAX_TOKENS = 100_000;

interface TokenState {
  globalId: string | null;
  applied: boolean;
}

export class MemoryCallbackStore implements CallbackStore {
  private readonly tokens = new LRUCache<string, TokenState>({ max: MAX_TOKENS, ttl: CALLBACK_TTL_MS });
  /** Executions whose callback is still expected, to their token. */
  private readonly runs = new LRUCache<string, string>({ max: MAX_TOKENS, ttl: CALLBACK_TTL_MS });

  async reserve(token: string): Promise<void> {
    this.tokens.set(token, { globalId: null, applied: false });
  }

  async bind(token: string, globalId: string): Promise<void> {
    const state = this.tokens.get(token);
    if (!state) return;
    state.globalId = globalId;
    if (!state.applied) this.runs.set(globalId, token);
  }

  async discard(token: string): Promise<void> {
    this.tokens.delete(token);
  }

  async peek(token: string): Promise<TokenPeek> {
    const state = this.tokens.get(token);
    if (!state) return { state: 'unknown', globalId: null };
    return { state: state.applied ? 'applied' : 'pending', globalId: state.globalId };
  }

  async claim(token: string): Promise<CallbackClaim> {
    const state = this.tokens.get(token);
    if (!state) return { outcome: 'unknown' };
    if (state.applied) return { outcome: 'replayed' };
    state.applied = true;
    if (state.globalId !== null) this.runs.delete(state.globalId);
    return { outcome: 'accepted', globalId: state.globalId };
  }

  async expecting(globalId: string): Promise<boolean> {
    return this.runs.has(globalId);
  }
}

/** KEYS: token. Value `pending:<id>` or `applied:<id>` (id empty while unbound). Returns {outcome, id} or nil. */
const CLAIM = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local id = string.sub(value, 9)
if string.sub(value, 1, 8) == 'applied:' then return {'replayed', id} end
redis.call('SET', KEYS[1], 'applied:' .. id, 'KEEPTTL')
return {'accepted', id}`;

/** KEYS: token, run. ARGV: id, token, ttl. Binds a reservation no callback has claimed yet. */
const BIND = `
if redis.call('GET', KEYS[1]) ~= 'pending:' then return 0 end
redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'KEEPTTL')
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * Redis first (`callback:<token>`, and `callback-run:<id>` while the callback is expected); this
 * replica's own tokens are also kept in memory, which answers while Redis is away (degraded: a
 * callback reaching another replica then is unknown there, and polling finds the end).
 */
export class RedisCallbackStore implements CallbackStore {
  private readonly local = new MemoryCallbackStore();

  constructor(private readonly link: RedisLink) {}

  async reserve(token: string): Promise<void> {
    await this.local.reserve(token);
    await this.link.commands.set(this.tokenKey(token), 'pending:', 'PX', CALLBACK_TTL_MS).catch(() => {});
  }

  async bind(token: string, globalId: string): Promise<void> {
    await this.local.bind(token, globalId);
    await this.link.commands.eval(BIND, 2, this.tokenKey(token), this.runKey(globalId), globalId, token, CALLBACK_TTL_MS).catch(() => {});
  }

  async discard(token: string): Promise<void> {
    await this.local.discard(token);
    await this.link.commands.del(this.tokenKey(token)).catch(() => {});
  }

  async peek(token: string): Promise<TokenPeek> {
    const value = await this.link.commands.get(this.tokenKey(token)).catch(() => null);
    if (value === null) return this.local.peek(token);
    return { state: value.startsWith('applied:') ? 'applied' : 'pending', globalId: value.slice(8) || null };
  }

  async claim(token: string): Promise<CallbackClaim> {
    const local = await this.local.claim(token);
    try {
      const result = (await this.link.commands.eval(CLAIM, 1, this.tokenKey(token))) as [string, string] | null;
      if (result === null) return local;
      const [outcome, id] = result;
      if (outcome === 'replayed') return { outcome: 'replayed' };
      if (id !== '') await this.link.commands.del(this.runKey(id)).catch(() => {});
      return { outcome: 'accepted', globalId: id === '' ? null : id };
    } catch {
      return local;
    }
  }

  async expecting(globalId: string): Promise<boolean> {
    try {
      return (await this.link.commands.exists(this.runKey(globalId))) === 1;
    } catch {
      return this.local.expecting(globalId);
    }
  }

  private tokenKey(token: string): string {
    return this.link.key(`callback:${token}`);
  }

  private runKey(globalId: string): string {
    return this.link.key(`callback-run:${globalId}`);
  }
}
