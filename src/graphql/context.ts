/** What every resolver gets. Built fresh per operation (per subscription for WebSocket). */
import type { ExecutionCommands } from '../executions/commands.js';
import type { ExecutionReader } from '../executions/reader.js';
import type { LiveExecutions } from '../live/live-executions.js';
import type { Loaders } from './loaders.js';

export interface GatewayContext {
  readonly loaders: Loaders;
  readonly reader: ExecutionReader;
  readonly commands: ExecutionCommands;
  readonly live: LiveExecutions;
}
