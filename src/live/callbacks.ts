/**
 * PromptLayer callbacks as a push channel, for runs started through this gateway while
 * GATEWAY_PUBLIC_URL is set: `startExecution` passes `callback_url =
 * $GATEWAY_PUBLIC_URL/callbacks/promptlayer/<token>`, one unguessable token per run, and
 * PromptLayer POSTs there once when the run finishes. The callback is unsigned: its token is
 * its only authentication, and it is only a reason to read the run again (the results endpoint
 * decides). It is applied once: a replay, or a callback for a run already seen finished,
 * changes nothing. While a run's callback is expected its poller polls only as a safety net
 * (a callback can be lost); once it came, as usual.
 *
 * HTTP is src/server/callbacks.ts; this is what a callback does.
 */
import { randomBytes } from 'node:crypto';
import type { Execution } from '../domain/execution.js';
import { isGatewayError } from '../domain/errors.js';
import type { StartCallback } from '../executions/commands.js';
import { formatGlobalId, parseGlobalId, type ExecutionRef } from '../domain/ids.js';
import { parseCallback } from '../upstreams/promptlayer/adapter.js';
import type { CallbackStore } from './callback-store.js';
import type { PushChannel, PushFollower, PushObserver } from './push.js';

/** Where the gateway serves callbacks, below GATEWAY_PUBLIC_URL. */
export const CALLBACK_PATH = '/callbacks/promptlayer/';

/** 256 random bits, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type CallbackOutcome = 'accepted' | 'replayed' | 'unknown_token' | 'too_large' | 'bad_body';

export class PromptLayerCallbacks implements PushChannel {
  /** This replica's pollers of runs whose callback is expected, by global id. */
  private readonly followers = new Map<string, PushFollower>();

  constructor(
    private readonly store: CallbackStore,
    private readonly publicUrl: string,
    /** Reads the execution again and publishes it, when no poller here follows it (see LiveExecutions.pushed). */
    private readonly pushed: (ref: ExecutionRef) => Promise<void>,
    private readonly observer: PushObserver = {},
  ) {}

  /** A token and its URL for a run about to start; bound to the run once it started, forgotten if it did not. */
  async prepare(): Promise<StartCallback> {
    const token = randomBytes(32).toString('base64url');
    await this.store.reserve(token);
    return {
      url: `${this.publicUrl}${CALLBACK_PATH}${token}`,
      started: (execution) => this.store.bind(token, formatGlobalId(execution)),
      failed: () => this.store.discard(token),
    };
  }

  /**
   * One callback. The token is checked before the body is read (`readBody` resolves null when
   * it exceeds the size cap): a stranger's request costs a lookup and nothing else.
   */
  async receive(token: string, readBody: () => Promise<string | null>): Promise<CallbackOutcome> {
    const outcome = await this.apply(token, readBody);
    this.observer.onCallback?.('promptlayer', outcome);
    return outcome;
  }

  follow(execution: Execution, follower: PushFollower): () => void {
    const globalId = formatGlobalId(execution);
    this.followers.set(globalId, follower);
    void this.store.expecting(globalId).then((expected) => {
      if (expected && this.followers.get(globalId) === follower) follower.setHealthy(true);
    });
    return () => {
      if (this.followers.get(globalId) === follower) this.followers.delete(globalId);
    };
  }

  private async apply(token: string, readBody: () => Promise<string | null>): Promise<CallbackOutcome> {
    if (!TOKEN.test(token)) return 'unknown_token';
    const known = await this.store.peek(token);
    if (known.state === 'unknown') return 'unknown_token';
    if (known.state === 'applied') return 'replayed';
    const body = await readBody();
    if (body === null) return 'too_large';
    let named: string | null;
    try {
      named = parseCallback(body);
    } catch (error) {
      if (isGatewayError(error)) return 'bad_body';
      throw error;
    }
    const namedId = named === null ? null : formatGlobalId({ provider: 'promptlayer', upstreamId: named });
    // Bound at start; a callback that beat the start's answer names its run itself.
    const globalId = known.globalId ?? namedId;
    if (globalId === null || (namedId !== null && namedId !== globalId)) return 'bad_body';
    const claim = await this.store.claim(token);
    if (claim.outcome === 'unknown') return 'unknown_token';
    if (claim.outcome === 'replayed') return 'replayed';
    this.trigger(parseGlobalId(claim.globalId ?? globalId));
    return 'accepted';
  }

  /**
   * The callback came: the poller here (if any) reads now and polls as usual from now on; with
   * none, this replica reads and publishes, in the background (PromptLayer gets its answer at once;
   * a read that fails is made up for by the pollers' safety net).
   */
  private trigger(ref: ExecutionRef): void {
    const follower = this.followers.get(formatGlobalId(ref));
    if (!follower) return void this.pushed(ref).catch(() => {});
    this.observer.onTriggeredRead?.('promptlayer', 'callback');
    follower.setHealthy(false);
    follower.changed();
  }
}
