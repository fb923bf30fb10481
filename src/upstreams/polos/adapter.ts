/**
 * Polos: `GET /api/v1/executions/{id}` always answers 200 with the state in `status`. For an
 * unknown id the orchestrator's project lookup fails first and it answers 500 with an empty
 * body; we read that as "not found" (without retrying it or counting it against the circuit
 * breaker), while a 500 with a body, a 502-504 or a connection error remains an outage.
 */
import type { Execution } from '../../domain/execution.js';
import { HttpExecutionAdapter } from '../adapter.js';
import { parseBody, unexpectedStatus } from '../http/json.js';
import { toExecution } from './mapping.js';
import { PolosExecutionBody } from './wire.js';

const isEmptyNotFound = (status: number, body: string): boolean => status === 500 && body.trim() === '';

export class PolosAdapter extends HttpExecutionAdapter {
  readonly provider = 'polos' as const;

  async fetchExecution(upstreamId: string): Promise<Execution | null> {
    const response = await this.http.request({
      path: `/api/v1/executions/${upstreamId}`,
      endpoint: 'execution',
      handles: isEmptyNotFound,
    });
    if (response.status === 404 || isEmptyNotFound(response.status, response.body)) return null;
    if (response.status !== 200) throw unexpectedStatus('polos', response, 'the execution request');
    return toExecution(upstreamId, parseBody('polos', response, PolosExecutionBody, 'execution response'));
  }
}
