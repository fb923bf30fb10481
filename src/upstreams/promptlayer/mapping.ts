/**
 * PromptLayer wire → domain. PromptLayer has no execution status, id or timestamps: whether the
 * run is finished comes from the HTTP status (200 vs 202/204) and success vs failure is derived
 * from the nodes, as the contract's status mapping says.
 */
import type { Execution, ExecutionError, JsonValue, NodeResult } from '../../domain/execution.js';
import { isTerminalStepStatus, stepStatusFrom, type ExecutionStatus, type StatusTable, type StepStatus } from '../../domain/status.js';
import type { PromptLayerNode, PromptLayerResultsBody } from './wire.js';

const NODE_STATUS: StatusTable<StepStatus> = new Map([
  ['QUEUED', 'QUEUED'],
  ['RUNNING', 'RUNNING'],
  ['SUCCESS', 'COMPLETED'],
  ['FAILED', 'FAILED'],
  ['FAILURE', 'FAILED'], // the older callback docs' spelling
  ['SKIPPED', 'SKIPPED'],
]);

/** `finished` is true for HTTP 200; `httpStatus` becomes the execution's upstreamStatus. */
export function fromPromptLayerResults(upstreamId: string, httpStatus: number, body: PromptLayerResultsBody): Execution {
  const nodes = Object.entries(body).map(([name, node]) => toNode(name, node));
  const finished = httpStatus === 200;
  const status = finished ? finishedStatus(nodes) : runningStatus(nodes);
  return {
    provider: 'promptlayer',
    upstreamId,
    workflowId: null,
    status,
    upstreamStatus: String(httpStatus),
    statusReason: null,
    createdAt: null,
    startedAt: null,
    completedAt: null,
    progress: { completed: nodes.filter((node) => isTerminalStepStatus(node.status)).length, total: nodes.length },
    input: null,
    error: status === 'FAILED' ? failure(nodes) : null,
    retryCount: null,
    nodes,
    parentId: null,
    rootId: null,
    details: { steps: [], output: output(nodes) },
  };
}

/** Just started: PromptLayer says nothing more until the first results poll. */
export function startedExecution(upstreamId: string): Execution {
  return { ...fromPromptLayerResults(upstreamId, 202, {}), status: 'PENDING', upstreamStatus: null, progress: null, details: null };
}

function toNode(name: string, node: PromptLayerNode): NodeResult {
  return {
    name,
    status: stepStatusFrom(NODE_STATUS, node.status),
    upstreamStatus: node.status,
    value: (node.value ?? null) as JsonValue | null,
    error: node.error_message ?? null,
    rawError: node.raw_error_message ?? null,
    isOutput: node.is_output_node ?? false,
  };
}

const isFailedOutput = (node: NodeResult): boolean => node.status === 'FAILED' || (node.isOutput && node.upstreamStatus !== 'SUCCESS');

function finishedStatus(nodes: readonly NodeResult[]): ExecutionStatus {
  return nodes.some(isFailedOutput) ? 'FAILED' : 'COMPLETED';
}

function runningStatus(nodes: readonly NodeResult[]): ExecutionStatus {
  return nodes.every((node) => node.status === 'QUEUED') ? 'QUEUED' : 'RUNNING';
}

function failure(nodes: readonly NodeResult[]): ExecutionError {
  const node = nodes.find((candidate) => candidate.status === 'FAILED') ?? nodes.find(isFailedOutput);
  if (!node) return { code: null, message: 'The workflow failed.' };
  return { code: null, message: `Node "${node.name}": ${node.error ?? `ended ${node.upstreamStatus}`}` };
}

/** One output node → its value; several → an object keyed by node name; none → null. */
function output(nodes: readonly NodeResult[]): JsonValue | null {
  const outputs = nodes.filter((node) => node.isOutput);
  if (outputs.length === 0) return null;
  if (outputs.length === 1) return outputs[0]!.value;
  return Object.fromEntries(outputs.map((node) => [node.name, node.value]));
}
