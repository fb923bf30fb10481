/** What every resolver gets. Built fresh per operation (per subscription for WebSocket). */
import type { ExecutionCommands } from '../executions/commands.js';
import type { ExecutionReader } from '../executions/reader.js';
import type { LiveExecutions } from '../live/live-executions.js';
import type { CallTally } from '../upstreams/http/client.js';
import type { Loaders } from './loaders.js';

/**
 * The request an operation belongs to: its id (log lines, the `x-request-id` header) and the
 * upstream calls made for it. One per HTTP request (a batch's operations share it), one per
 * operation on the other transports.
 */
export interface RequestFacts extends CallTally {
  readonly requestId: string;
}

export interface GatewayContext {
  readonly loaders: Loaders;
  readonly reader: ExecutionReader;
  readonly commands: ExecutionCommands;
  readonly live: LiveExecutions;
  /** Passed with every upstream call made for this operation, which counts it. */
  readonly facts: RequestFacts;
}
