/**
 * Flowker: `GET /v1/executions/{id}` is the cheap status call; `/results` carries the steps and
 * the final output, exists only for terminal executions, and answers 422 FLK-0502 before that.
 */
import type { Execution, ExecutionDetails } from '../../domain/execution.js';
import { HttpExecutionAdapter } from '../adapter.js';
import type { UpstreamResponse } from '../http/client.js';
import { parseBody, tryParseJson, unexpectedStatus } from '../http/json.js';
import { toDetails, toExecution } from './mapping.js';
import { FlowkerErrorBody, FlowkerExecutionStatusBody, FlowkerResultsBody } from './wire.js';

export class FlowkerAdapter extends HttpExecutionAdapter {
  readonly provider = 'flowker' as const;

  async fetchExecution(upstreamId: string): Promise<Execution | null> {
    const response = await this.http.request({ path: `/v1/executions/${upstreamId}`, endpoint: 'execution' });
    if (response.status === 404) return null;
    if (response.status !== 200) throw unexpectedStatus('flowker', response, 'the status request');
    return toExecution(upstreamId, parseBody('flowker', response, FlowkerExecutionStatusBody, 'status response'));
  }

  override async fetchDetails(upstreamId: string): Promise<ExecutionDetails | null> {
    const response = await this.http.request({ path: `/v1/executions/${upstreamId}/results`, endpoint: 'results' });
    if (response.status === 404 || isStillRunning(response)) return null;
    if (response.status !== 200) throw unexpectedStatus('flowker', response, 'the results request');
    return toDetails(parseBody('flowker', response, FlowkerResultsBody, 'results response'));
  }
}

/** 422 is overloaded in Flowker; only FLK-0502 means "not terminal yet". */
function isStillRunning(response: UpstreamResponse): boolean {
  if (response.status !== 422) return false;
  const body = FlowkerErrorBody.safeParse(tryParseJson(response.body));
  return body.success && body.data.code === 'FLK-0502';
}
