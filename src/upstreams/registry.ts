/** The adapters by provider: builds one, with its own HTTP client, for each configured upstream. */
import type { UpstreamConfig } from '../config.js';
import type { Provider } from '../domain/ids.js';
import type { Capabilities, ExecutionAdapter } from './adapter.js';
import { FlowkerAdapter } from './flowker/adapter.js';
import { UpstreamHttpClient, type HttpObserver, type HttpTuning } from './http/client.js';
import { PolosAdapter } from './polos/adapter.js';
import { PromptLayerAdapter } from './promptlayer/adapter.js';

const ADAPTERS = { flowker: FlowkerAdapter, promptlayer: PromptLayerAdapter, polos: PolosAdapter } as const;

/** What each provider's adapter declares it can do, without building one (the cost model reads it). */
export const capabilitiesOf = (provider: Provider): Capabilities => ADAPTERS[provider].capabilities;

export function createAdapters(upstreams: readonly UpstreamConfig[], tuning: HttpTuning, observer?: HttpObserver): ExecutionAdapter[] {
  return upstreams.map((upstream) => {
    const http = new UpstreamHttpClient({ ...tuning, provider: upstream.provider, baseUrl: upstream.baseUrl, headers: upstream.headers, observer });
    return new ADAPTERS[upstream.provider](http);
  });
}
