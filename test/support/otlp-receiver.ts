/**
 * An in-process OTLP/HTTP trace receiver: the fake upstream server on port 0, accepting
 * `POST /v1/traces` in both encodings the gateway's exporters speak, http/json (plain JSON) and
 * http/protobuf (an ExportTraceServiceRequest, decoded here with protobufjs and the subset of
 * opentelemetry-proto's trace messages below), and keeps every span as plain data.
 */
import protobuf from 'protobufjs';
import { startFakeUpstream } from './fake-upstream.js';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly events: readonly { readonly name: string; readonly attributes: Record<string, unknown> }[];
  /** OTLP's StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
  readonly traceState: string;
  readonly resource: Record<string, unknown>;
  readonly scope: string;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: what OTEL_EXPORTER_OTLP_ENDPOINT takes (the exporter appends /v1/traces). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** The content type of every export received. */
  readonly contentTypes: string[];
  close(): Promise<void>;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

const TRACE_PROTO = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Event events = 11; repeated Link links = 13; Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
`;

const ExportTraceServiceRequest = protobuf.parse(TRACE_PROTO).root.lookupType('ExportTraceServiceRequest');

/** OTLP's JSON mapping and protobufjs' toObject both give camelCase fields; ids are hex in JSON, bytes in protobuf. */
interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] };
  bytesValue?: string;
}
type WireKeyValue = { key: string; value?: WireAnyValue };
type WireId = string | Uint8Array | undefined;
interface WireSpan {
  traceId: WireId;
  spanId: WireId;
  parentSpanId?: WireId;
  traceState?: string;
  name: string;
  kind?: number;
  attributes?: WireKeyValue[];
  events?: { name: string; attributes?: WireKeyValue[] }[];
  links?: { traceId: WireId; spanId: WireId }[];
  status?: { code?: number; message?: string };
}
interface WireRequest {
  resourceSpans?: { resource?: { attributes?: WireKeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: WireSpan[] }[] }[];
}

const hex = (id: WireId): string => (id === undefined ? '' : typeof id === 'string' ? id : Buffer.from(id).toString('hex'));

function valueOf(value: WireAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  return value.bytesValue;
}

const attributesOf = (list: WireKeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));

function spansOf(request: WireRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name,
        kind: span.kind ?? 0,
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
        status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
        traceState: span.traceState ?? '',
        resource,
        scope: scopeSpans.scope?.name ?? '',
      })),
    );
  });
}

/** The suite's fake upstream (test/support/fake-upstream.ts) playing an OTLP/HTTP collector. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const collector = await startFakeUpstream((request) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') return { status: 404 };
    const contentType = String(request.headers['content-type'] ?? '');
    contentTypes.push(contentType);
    if (contentType.startsWith('application/json')) {
      spans.push(...spansOf(JSON.parse(request.body) as WireRequest));
      return { body: {} };
    }
    const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(request.rawBody), { longs: String });
    spans.push(...spansOf(decoded as WireRequest));
    return { headers: { 'content-type': 'application/x-protobuf' } }; // an empty ExportTraceServiceResponse
  });
  return { endpoint: collector.baseUrl, spans, contentTypes, close: () => collector.close() };
}
