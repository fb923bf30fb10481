/**
 * OpenTelemetry tracing, configured the way every OpenTelemetry SDK is: by its standard
 * environment variables, which the Node SDK reads itself (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_PROPAGATORS, OTEL_BSP_*…). The
 * gateway starts it only when an endpoint is set (config.ts decides): otherwise the SDK is never
 * loaded, no plugin or observer is installed, and `@opentelemetry/api` stays its no-op self.
 *
 * What is traced: one span per GraphQL operation (src/server/pipeline/plugins/tracing.ts), one
 * per upstream HTTP attempt (./upstream.ts), one per poll and one per push to a subscriber
 * (./live.ts). Log lines carry the active span's ids (src/logger.ts).
 */
import { context, propagation, trace } from '@opentelemetry/api';
import type { Config } from '../config.js';
import type { LiveObserver } from '../live/live-executions.js';
import { tracingPlugin } from '../server/pipeline/plugins/tracing.js';
import type { PipelinePlugin } from '../server/pipeline/index.js';
import type { HttpObserver } from '../upstreams/http/client.js';
import { traceLive } from './live.js';
import { traceUpstreamCalls } from './upstream.js';

export interface Tracing {
  readonly plugin: PipelinePlugin;
  traceHttp(observer: HttpObserver): HttpObserver;
  traceLive(observer: LiveObserver): LiveObserver;
  /** Exports what is buffered, then unregisters the SDK (a later gateway in this process may start its own). */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = 'execution-gateway';

export async function startTracing(options: NonNullable<Config['tracing']>): Promise<Tracing> {
  // Loaded only now: with tracing off, none of the SDK (exporters, gRPC, resource detectors) is.
  const [{ NodeSDK }, { defaultResource, resourceFromAttributes }] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/resources')]);
  const sdk = new NodeSDK({
    // The default service name; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (detected, merged over it) win.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': SERVICE_NAME })),
    // Traces only: metrics are Prometheus' (/metrics) and logs pino's, not the SDK's OTLP exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer(SERVICE_NAME);
  return {
    plugin: tracingPlugin(tracer, options),
    traceHttp: (observer) => traceUpstreamCalls(tracer, observer),
    traceLive: (observer) => traceLive(tracer, observer),
    shutdown: async () => {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
