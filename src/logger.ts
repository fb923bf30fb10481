/**
 * Structured JSON logs. Credentials can only reach a log through headers or config objects;
 * both are redacted by path here, and the code never logs an upstream key or a request header
 * wholesale in the first place.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-project-id"]',
  'connectionParams.authorization',
  '*.apiKey',
  '*.headers',
];

/**
 * The active span's ids (see src/tracing/): with tracing off there is never one, and this adds
 * nothing. A new object each time: pino merges the line into it.
 */
const traceIds = (): { traceId?: string; spanId?: string } => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {};
};

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = { level, base: { service: 'execution-gateway' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: traceIds };
  return destination ? pino(options, destination) : pino(options);
}
