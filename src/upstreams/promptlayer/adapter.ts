/**
 * PromptLayer: one endpoint, `GET /workflow-version-execution-results`, answers 200 when the run
 * is finished and 202 (or, per an older proposal, 204 with no body) while it runs. 422 here is a
 * validation error, unlike Flowker's.
 */
import type { Execution } from '../../domain/execution.js';
import { HttpExecutionAdapter, capabilities, type StartRequest, type StartResult } from '../adapter.js';
import type { CallTally } from '../http/client.js';
import { createEdge } from '../http/edge.js';
import { fromPromptLayerResults, startedExecution } from './mapping.js';
import { PromptLayerCallbackBody, PromptLayerResultsBody, PromptLayerRunBody } from './wire.js';

const edge = createEdge('promptlayer');

export class PromptLayerAdapter extends HttpExecutionAdapter {
  static readonly capabilities = capabilities({ start: true, push: true });

  readonly provider = edge.provider;
  readonly capabilities = PromptLayerAdapter.capabilities;

  async fetchExecution(upstreamId: string, tally?: CallTally): Promise<Execution | null> {
    const response = await this.http.request({
      path: '/workflow-version-execution-results',
      // Without return_all_outputs the body is a bare output value that says nothing of progress.
      query: { workflow_version_execution_id: upstreamId, return_all_outputs: 'true' },
      endpoint: 'results',
      tally,
    });
    if (response.status === 404) return null;
    if (response.status === 204 || (response.status === 202 && response.body.trim() === '')) {
      return fromPromptLayerResults(upstreamId, response.status, {});
    }
    return fromPromptLayerResults(upstreamId, response.status, edge.read(response, [200, 202], PromptLayerResultsBody, 'results'));
  }

  /** Not retried: PromptLayer has no idempotency key, so a retried run could run twice (the gateway's idempotency keys: src/executions/idempotency.ts). */
  async startExecution({ workflowId, input, callbackUrl, tally }: StartRequest): Promise<StartResult> {
    const response = await this.http.request({
      method: 'POST',
      path: `/workflows/${encodeURIComponent(workflowId)}/run`,
      body: { input_variables: edge.objectInput(input), return_all_outputs: true, ...(callbackUrl ? { callback_url: callbackUrl } : {}) },
      endpoint: 'run',
      tally,
    });
    const run = edge.accepted(response, [200, 201, 202], PromptLayerRunBody, 'run');
    return { execution: startedExecution(edge.upstreamId(run.workflow_version_execution_id)), idempotencyKey: null, replayed: false };
  }
}

/**
 * A callback PromptLayer POSTed to a run's `callback_url`, parsed like any of its bodies: the id
 * of the run it reports on (null when it names none). UPSTREAM_BAD_RESPONSE when it is not what
 * PromptLayer sends.
 */
export function parseCallback(body: string): string | null {
  const callback = edge.parse({ status: 200, headers: {}, body }, PromptLayerCallbackBody, 'callback body');
  const id = callback.workflow_version_execution_id;
  return id === undefined ? null : edge.upstreamId(id);
}
