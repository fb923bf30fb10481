/**
 * Domain objects for the unit tests of the layers above the adapters (reader, caches, live
 * pollers, cursors): what an adapter hands on once it has parsed an upstream body.
 */
import type { Execution } from '../../src/domain/execution.js';
import { uuid } from './payloads.js';

/** A running Polos execution with no details; override any field. */
export const anExecution = (overrides: Partial<Execution> = {}): Execution => ({
  provider: 'polos',
  upstreamId: uuid(1),
  workflowId: 'wf',
  status: 'RUNNING',
  upstreamStatus: 'running',
  statusReason: null,
  createdAt: '2026-03-17T14:34:59.000Z',
  startedAt: '2026-03-17T14:35:00.000Z',
  completedAt: null,
  progress: null,
  input: null,
  error: null,
  retryCount: 0,
  nodes: [],
  parentId: null,
  rootId: null,
  details: null,
  ...overrides,
});
