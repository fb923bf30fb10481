/**
 * What the rest of the gateway needs from an upstream. Each provider folder implements it:
 * the adapter makes the HTTP calls, validates the bodies and maps them to the domain model,
 * so nothing past this interface ever sees upstream JSON.
 */
import type { Execution, ExecutionDetails } from '../domain/execution.js';
import type { Provider } from '../domain/ids.js';
import type { UpstreamHttpClient } from './http/client.js';

export interface ExecutionAdapter {
  readonly provider: Provider;
  /** The execution's current state, or null when the upstream says it does not exist. */
  fetchExecution(upstreamId: string): Promise<Execution | null>;
  /**
   * Steps and output of an execution whose snapshot came without them (Flowker `/results`).
   * Null when they are not available (yet): not found, or not terminal.
   */
  fetchDetails(upstreamId: string): Promise<ExecutionDetails | null>;
  /** Circuit state of the adapter's upstream, for health and metrics. */
  readonly circuitState: 'closed' | 'open' | 'half_open';
  close(): Promise<void>;
}

/** The part every HTTP adapter shares: the client's lifecycle and circuit state. */
export abstract class HttpExecutionAdapter implements ExecutionAdapter {
  abstract readonly provider: Provider;

  constructor(protected readonly http: UpstreamHttpClient) {}

  get circuitState() {
    return this.http.circuitState;
  }

  abstract fetchExecution(upstreamId: string): Promise<Execution | null>;

  /** For upstreams whose one execution body already holds steps/nodes and output. */
  async fetchDetails(upstreamId: string): Promise<ExecutionDetails | null> {
    return (await this.fetchExecution(upstreamId))?.details ?? null;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
