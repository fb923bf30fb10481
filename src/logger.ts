/**
 * Structured JSON logs. Credentials can only reach a log through headers or config objects;
 * both are redacted by path here, and the code never logs an upstream key or a request header
 * wholesale in the first place.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-project-id"]',
  'connectionParams.authorization',
  '*.apiKey',
  '*.headers',
];

/** What the mixin returns with no active span: the line is then written as it is, not copied. */
const NO_TRACE = Object.freeze({});

/** The active span's ids (see src/tracing/); with tracing off there is never one. */
const traceIds = (): object => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : NO_TRACE;
};

/** pino's own strategy (the line merged into the mixin's object, a new one each time), but none of it without a trace. */
const withTraceIds = (line: object, ids: object): object => (ids === NO_TRACE ? line : Object.assign(ids, line));

/** How long a line may wait in the buffer when traffic is too low to fill it. */
const FLUSH_INTERVAL_MS = 1_000;

/**
 * Standard output, written asynchronously in batches of `bufferBytes` (LOG_BUFFER_BYTES) and at
 * least every second. One write per line (0) costs a system call per operation, handed to libuv's
 * thread pool: ≈ 6 % of a one-lookup operation's CPU (docs/benchmarks.md). What is buffered is
 * written when the process exits, signals and uncaught errors included; only a process killed
 * outright (SIGKILL, out of memory) loses it.
 */
export const stdoutDestination = (bufferBytes: number): pino.DestinationStream =>
  pino.destination({ dest: process.stdout.fd, minLength: bufferBytes, periodicFlush: bufferBytes > 0 ? FLUSH_INTERVAL_MS : 0, sync: false });

/**
 * Writes what the destination still holds (LOG_BUFFER_BYTES) before the process exits, waiting
 * at most `timeoutMs`: a standard output nobody reads any more may never take it. Done here, with
 * the event loop still running, a broken pipe only turns the destination off; left to the exit
 * handler's synchronous flush it is an error thrown while the process exits.
 */
export const flushLogs = (logger: Logger, timeoutMs = 1_000): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'execution-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: traceIds,
    mixinMergeStrategy: withTraceIds,
  };
  return destination ? pino(options, destination) : pino(options);
}
