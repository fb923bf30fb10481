/**
 * One span per GraphQL operation, on every transport: SERVER kind, continuing the caller's trace
 * when the request carries W3C `traceparent`/`tracestate` (HTTP and SSE request headers, the
 * WebSocket's connection_init payload); named `<type> <name>` as OpenTelemetry's GraphQL
 * conventions name it; ended with the outcome, error codes, upstream calls and (subscriptions)
 * the events sent. Execution runs inside it, so upstream calls are its children and log lines
 * carry its ids. No per-field spans: they would multiply the cost of every operation.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import * as attributes from '../../../tracing/attributes.js';
import type { Operation, PipelinePlugin, RequestHeaders } from '../index.js';

export interface TracingPluginOptions {
  /** OTEL_GRAPHQL_INCLUDE_DOCUMENT: the document text as `graphql.document`. */
  readonly includeDocument: boolean;
}

/** W3C propagators read headers by name only. */
const headerGetter: TextMapGetter<RequestHeaders> = { get: (headers, key) => headers.get(key) ?? undefined, keys: () => [] };

export function tracingPlugin(tracer: Tracer, options: TracingPluginOptions): PipelinePlugin {
  return {
    name: 'tracing',
    onOperation: (operation) => {
      const parent = propagation.extract(ROOT_CONTEXT, operation.headers, headerGetter);
      const span = tracer.startSpan(
        'GraphQL Operation',
        { kind: SpanKind.SERVER, attributes: { [attributes.TRANSPORT]: operation.transport, [attributes.REQUEST_ID]: operation.requestId } },
        parent,
      );
      const active = trace.setSpan(parent, span);
      return {
        onPrepared: () => describe(span, operation, options),
        around: (run) => context.with(active, run),
        onEnd: () => finish(span, operation),
      };
    },
  };
}

function describe(span: Span, operation: Operation, options: TracingPluginOptions): void {
  const { operationType, operationName } = operation;
  span.updateName(operationName ? `${operationType} ${operationName}` : String(operationType));
  span.setAttribute(attributes.GRAPHQL_OPERATION_TYPE, String(operationType));
  if (operationName) span.setAttribute(attributes.GRAPHQL_OPERATION_NAME, operationName);
  if (options.includeDocument && operation.source) span.setAttribute(attributes.GRAPHQL_DOCUMENT, operation.source);
}

/**
 * Errors during execution set the span's status to ERROR; a refusal (the client's request was
 * wrong or too large) only names its code, as a 4xx leaves a server span's status unset.
 */
function finish(span: Span, operation: Operation): void {
  span.setAttribute(attributes.OUTCOME, operation.outcome);
  // As on the log line: a subscription's polls are shared by all who watch (they are traces of their own).
  if (operation.operationType === 'subscription') span.setAttribute(attributes.EVENTS, operation.events);
  else span.setAttribute(attributes.UPSTREAM_CALLS, operation.facts.upstreamCalls);
  const codes = [...new Set(operation.errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
  if (codes.length > 0) {
    span.setAttribute(attributes.ERROR_CODES, codes);
    span.setAttribute(ATTR_ERROR_TYPE, codes[0]!);
  }
  if (operation.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
  for (const failure of operation.failures) {
    span.addEvent('exception', {
      'exception.type': 'Error',
      'exception.message': failure.message,
      ...(failure.stack ? { 'exception.stacktrace': failure.stack } : {}),
      [attributes.ERROR_ID]: failure.errorId,
    });
  }
  span.end();
}
