/**
 * Which push channel each configured upstream gets: Polos its event streams (unless
 * POLOS_MAX_STREAMS=0), PromptLayer its callbacks (only with GATEWAY_PUBLIC_URL), Flowker none.
 * Without a channel an upstream is polled exactly as before.
 */
import type { Config } from '../config.js';
import type { ExecutionRef } from '../domain/ids.js';
import type { StartCallbacks } from '../executions/commands.js';
import type { ExecutionReader } from '../executions/reader.js';
import type { Logger } from '../logger.js';
import type { CallbackStore } from './callback-store.js';
import { PromptLayerCallbacks } from './callbacks.js';
import { EventStreams } from './event-streams.js';
import type { PushChannels, PushObserver } from './push.js';

export interface Push {
  readonly channels: PushChannels;
  /** For the callback route; null when callbacks are off. */
  readonly callbacks: PromptLayerCallbacks | null;
  /** For startExecution: the providers whose runs start with a callback URL. */
  readonly startCallbacks: StartCallbacks;
  /** For /readyz. */
  status(): Record<string, unknown>;
  close(): void;
}

export interface PushDeps {
  readonly reader: ExecutionReader;
  readonly callbackStore: CallbackStore;
  readonly observer: PushObserver;
  readonly logger: Logger;
  /** LiveExecutions.pushed (late-bound: the live layer is built with these channels). */
  readonly pushed: (ref: ExecutionRef) => Promise<void>;
}

export function createPush(config: Config, deps: PushDeps): Push {
  const { reader } = deps;
  const configured = new Set(reader.providers);
  const source = configured.has('polos') ? reader.adapter('polos').events : undefined;
  const streams = source
    ? new EventStreams(
        source,
        {
          provider: 'polos',
          retryBaseMs: config.poll.intervalMs,
          retryMaxMs: config.poll.maxIntervalMs,
          rootWorkflowId: async (rootId) => (await reader.cachedExecution({ provider: 'polos', upstreamId: rootId }).catch(() => null))?.workflowId ?? null,
        },
        deps.observer,
        deps.logger,
      )
    : null;
  const callbacks =
    configured.has('promptlayer') && config.push.publicUrl !== null
      ? new PromptLayerCallbacks(deps.callbackStore, config.push.publicUrl, deps.pushed, deps.observer)
      : null;
  return {
    channels: { ...(streams ? { polos: streams } : {}), ...(callbacks ? { promptlayer: callbacks } : {}) },
    callbacks,
    startCallbacks: callbacks ? { promptlayer: callbacks } : {},
    status: () => ({
      ...(configured.has('polos') ? { polos: streams ? { streams: streams.status } : 'polling (POLOS_MAX_STREAMS=0)' } : {}),
      ...(configured.has('promptlayer') ? { promptlayer: callbacks ? 'callbacks' : 'polling (no GATEWAY_PUBLIC_URL)' } : {}),
      ...(configured.has('flowker') ? { flowker: 'polling' } : {}),
    }),
    close: () => streams?.close(),
  };
}
