/**
 * Span attribute names. OpenTelemetry's semantic conventions where they have one (GraphQL's and
 * HTTP's; the GraphQL ones are still "development" conventions, so they are spelled out here
 * rather than imported from the package's unstable entry point), `gateway.*` for what is this
 * gateway's own. The README lists them all.
 */
export const GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
export const GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
/** Only with OTEL_GRAPHQL_INCLUDE_DOCUMENT=true: documents can be large, and hold literal arguments. */
export const GRAPHQL_DOCUMENT = 'graphql.document';

export const TRANSPORT = 'gateway.transport';
export const REQUEST_ID = 'gateway.request_id';
/** success, error or refused: the same outcome as the log line and graphql_operations_total. */
export const OUTCOME = 'gateway.outcome';
export const ERROR_CODES = 'gateway.error_codes';
export const UPSTREAM_CALLS = 'gateway.upstream_calls';
/** Subscriptions: the events sent. */
export const EVENTS = 'gateway.events';
export const ERROR_ID = 'gateway.error_id';

export const PROVIDER = 'gateway.upstream.provider';
/** The endpoint's name, which stands for its path template (`execution`: `/api/v1/executions/{id}`…), never a path with ids. */
export const ENDPOINT = 'gateway.upstream.endpoint';

export const EXECUTION_ID = 'gateway.execution.id';
/** changed, unchanged, terminal, not_found, failed or stopped. */
export const POLL_OUTCOME = 'gateway.poll.outcome';
/** The live event pushed: snapshot, error or not_found. */
export const LIVE_EVENT = 'gateway.live.event';
