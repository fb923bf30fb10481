/** The adapters by provider: builds one, with its own HTTP client, for each configured upstream. */
import type { UpstreamConfig } from '../config.js';
import type { Provider } from '../domain/ids.js';
import type { Capabilities, ExecutionAdapter } from './adapter.js';
import { FlowkerAdapter } from './flowker/adapter.js';
import { UpstreamHttpClient, type HttpObserver, type HttpTuning } from './http/client.js';
import { EventStreamClient } from './http/event-stream.js';
import { PolosAdapter } from './polos/adapter.js';
import { PolosEventStream } from './polos/events.js';
import { PromptLayerAdapter } from './promptlayer/adapter.js';

const ADAPTERS = { flowker: FlowkerAdapter, promptlayer: PromptLayerAdapter } as const;

/** What each provider's adapter declares it can do, without building one (the cost model reads it). */
export const capabilitiesOf = (provider: Provider): Capabilities => ({ ...ADAPTERS, polos: PolosAdapter })[provider].capabilities;

/** Upstream event streams (Polos): how many per upstream (0 turns them off), and when a silent one is dead. */
export interface StreamTuning {
  readonly maxStreams: number;
  readonly idleTimeoutMs: number;
}

export function createAdapters(
  upstreams: readonly UpstreamConfig[],
  tuning: HttpTuning,
  observer?: HttpObserver,
  streams: StreamTuning = { maxStreams: 0, idleTimeoutMs: 0 },
): ExecutionAdapter[] {
  return upstreams.map((upstream) => {
    const http = new UpstreamHttpClient({ ...tuning, provider: upstream.provider, baseUrl: upstream.baseUrl, headers: upstream.headers, observer });
    if (upstream.provider !== 'polos') return new ADAPTERS[upstream.provider](http);
    return new PolosAdapter(http, streams.maxStreams > 0 ? polosEvents(upstream, tuning, streams, observer) : undefined);
  });
}

function polosEvents(upstream: UpstreamConfig, tuning: HttpTuning, streams: StreamTuning, observer: HttpObserver | undefined): PolosEventStream {
  const client = new EventStreamClient({
    provider: 'polos',
    baseUrl: upstream.baseUrl,
    headers: upstream.headers,
    connectTimeoutMs: tuning.connectTimeoutMs,
    headersTimeoutMs: tuning.attemptTimeoutMs,
    idleTimeoutMs: streams.idleTimeoutMs,
    maxStreams: streams.maxStreams,
    maxFrameBytes: tuning.maxResponseBytes,
    observer,
  });
  return new PolosEventStream(client, streams.maxStreams);
}
