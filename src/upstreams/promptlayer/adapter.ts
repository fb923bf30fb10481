/**
 * PromptLayer: one endpoint, `GET /workflow-version-execution-results`, answers 200 when the run
 * is finished and 202 (or, per an older proposal, 204 with no body) while it runs. 422 here is a
 * validation error, unlike Flowker's.
 */
import type { Execution } from '../../domain/execution.js';
import { HttpExecutionAdapter, capabilities, type StartRequest, type StartResult } from '../adapter.js';
import { jsonObjectInput, parseBody, rejectedInput, unexpectedStatus, upstreamIdFrom } from '../http/json.js';
import { startedExecution, toExecution } from './mapping.js';
import { PromptLayerCallbackBody, PromptLayerResultsBody, PromptLayerRunBody } from './wire.js';

export class PromptLayerAdapter extends HttpExecutionAdapter {
  static readonly capabilities = capabilities({ start: true });

  readonly provider = 'promptlayer' as const;
  readonly capabilities = PromptLayerAdapter.capabilities;

  async fetchExecution(upstreamId: string): Promise<Execution | null> {
    const response = await this.http.request({
      path: '/workflow-version-execution-results',
      // Without return_all_outputs the body is a bare output value that says nothing of progress.
      query: { workflow_version_execution_id: upstreamId, return_all_outputs: 'true' },
      endpoint: 'results',
    });
    if (response.status === 404) return null;
    if (response.status === 204 || (response.status === 202 && response.body.trim() === '')) {
      return toExecution(upstreamId, response.status, {});
    }
    if (response.status !== 200 && response.status !== 202) throw unexpectedStatus('promptlayer', response, 'the results request');
    return toExecution(upstreamId, response.status, parseBody('promptlayer', response, PromptLayerResultsBody, 'results response'));
  }

  /** Not retried: PromptLayer has no idempotency key, so a retried run could run twice (the gateway's idempotency keys: src/executions/idempotency.ts). */
  async startExecution({ workflowId, input, callbackUrl }: StartRequest): Promise<StartResult> {
    const response = await this.http.request({
      method: 'POST',
      path: `/workflows/${encodeURIComponent(workflowId)}/run`,
      body: { input_variables: jsonObjectInput('promptlayer', input), return_all_outputs: true, ...(callbackUrl ? { callback_url: callbackUrl } : {}) },
      endpoint: 'run',
    });
    if (response.status >= 400 && response.status < 500) throw rejectedInput('promptlayer', response, 'run request');
    if (response.status !== 201 && response.status !== 202 && response.status !== 200) {
      throw unexpectedStatus('promptlayer', response, 'the run request');
    }
    const run = parseBody('promptlayer', response, PromptLayerRunBody, 'run response');
    const id = upstreamIdFrom('promptlayer', run.workflow_version_execution_id);
    return { execution: startedExecution(id), idempotencyKey: null, replayed: false };
  }
}

/**
 * A callback PromptLayer POSTed to a run's `callback_url`, parsed like any of its bodies: the id
 * of the run it reports on (null when it names none). UPSTREAM_BAD_RESPONSE when it is not what
 * PromptLayer sends.
 */
export function parseCallback(body: string): string | null {
  const callback = parseBody('promptlayer', { status: 200, headers: {}, body }, PromptLayerCallbackBody, 'callback body');
  const id = callback.workflow_version_execution_id;
  return id === undefined ? null : upstreamIdFrom('promptlayer', id);
}
