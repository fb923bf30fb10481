/**
 * One CLIENT span per upstream HTTP attempt (a retry is a span of its own, with
 * `http.request.resend_count`), child of whatever was active when the request started (an
 * operation's span, a poll's), and its W3C trace context sent upstream with the attempt. Added to
 * the HTTP client's observer: the client itself knows nothing of OpenTelemetry.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { HttpObserver } from '../upstreams/http/client.js';
import * as attributes from './attributes.js';

export function traceUpstreamCalls(tracer: Tracer, observer: HttpObserver): HttpObserver {
  return {
    ...observer,
    traceRequest: ({ provider, endpoint, method, origin }) => {
      const parent = context.active();
      const server = serverOf(origin);
      return (resendCount) => {
        const span = tracer.startSpan(
          `${method} ${provider} ${endpoint}`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: method,
              [ATTR_SERVER_ADDRESS]: server.address,
              [ATTR_SERVER_PORT]: server.port,
              [attributes.PROVIDER]: provider,
              [attributes.ENDPOINT]: endpoint,
              // Set on resends only, as HTTP's conventions say.
              ...(resendCount > 0 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: resendCount } : {}),
            },
          },
          parent,
        );
        const headers: Record<string, string> = {};
        propagation.inject(trace.setSpan(parent, span), headers);
        return {
          headers,
          end: (outcome) => {
            const status = Number(outcome);
            if (Number.isInteger(status)) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
            // 4xx are answers the adapters read (Flowker's 422 "still running", 404 not found); 429 and 5xx are failures.
            const failed = !Number.isInteger(status) || status >= 500 || status === 429;
            if (failed) {
              span.setAttribute(ATTR_ERROR_TYPE, outcome);
              span.setStatus({ code: SpanStatusCode.ERROR });
            }
            span.end();
          },
        };
      };
    },
  };
}

const serverOf = (origin: string): { address: string; port: number } => {
  const url = new URL(origin);
  return { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
};
