/**
 * Following one execution, as the gateway's own clients do: the progress page (web/progress/)
 * and `execution-gateway watch` (src/cli/). Both subscribe with `ExecutionProgress`, feed every
 * event through the transitions below, and draw the resulting `ViewState` their own way (DOM,
 * terminal). What an event means (a snapshot, a transient upstream failure, a problem that ends
 * the view), how far along an execution is and how each problem reads are written here, once.
 *
 * Why it lives in src/: the CLI is compiled into dist/ by tsconfig.build.json (rootDir src), so
 * what it imports must sit under src/, while esbuild (scripts/build-ui.mjs) bundles the page from
 * anywhere in the repository. Pure on purpose, so that both can import it: no DOM, no Node APIs,
 * nothing from a library but types (`graphql`, `graphql-ws`). The two type-checks keep it so: `npm run typecheck` sees it
 * without DOM types, `npm run typecheck:tools` (web/tsconfig.json) without Node's.
 */
import type { GraphQLFormattedError } from 'graphql';
import type { FormattedExecutionResult } from 'graphql-ws';
import type { ExecutionProgressSubscription, ExecutionProgressSubscriptionVariables, StepStatus } from '../generated/clients/graphql.js';
import { graphql } from '../generated/clients/index.js';

/** The subscription both clients follow an execution with: its snapshot, one event per change, then completion. */
export const ExecutionProgress = graphql(`
  subscription ExecutionProgress($id: ID!) {
    executionUpdated(id: $id) {
      id
      provider
      upstreamId
      workflowId
      status
      statusReason
      upstreamStatus
      terminal
      startedAt
      completedAt
      durationSeconds
      retryCount
      progress {
        completed
        total
      }
      steps {
        number
        name
        status
        error
        durationSeconds
      }
      nodes {
        name
        status
        error
        isOutput
      }
      output
      error {
        code
        message
      }
    }
  }
`);

/** What graphql-ws sends to follow execution `id` with `ExecutionProgress` (the variables type-checked). */
export const progressRequest = (id: string) => ({ query: ExecutionProgress.toString(), variables: { id } satisfies ExecutionProgressSubscriptionVariables });

export type ExecutionView = ExecutionProgressSubscription['executionUpdated'];
/** One `next` message of the subscription, as graphql-ws hands it over. */
export type ProgressResult = FormattedExecutionResult<ExecutionProgressSubscription, unknown>;

/** A problem that ends the view: nothing more will come. Worded for both clients. */
export interface Problem {
  /** A heading (the page). */
  readonly title: string;
  /** What happened and what to do, in a sentence or two (the page). */
  readonly detail: string;
  /** The same in one line (the terminal prints `error: <line>`). */
  readonly line: string;
  readonly code?: string;
}

export interface ViewState {
  readonly id: string;
  /** The gateway endpoint followed (the terminal names it when it cannot be reached). */
  readonly gateway: string;
  /** connecting → live → done; `problem` for a bad id, an unknown execution, an unreachable gateway. */
  readonly phase: 'connecting' | 'live' | 'reconnecting' | 'done' | 'problem';
  readonly execution?: ExecutionView;
  readonly problem?: Problem;
  /** A transient upstream failure while the stream stays open (the last snapshot stays shown). */
  readonly warning?: string;
  readonly updatedAt?: Date;
}

export const initialState = (id: string, gateway: string): ViewState => ({ id, gateway, phase: 'connecting' });

/** The close code of a WebSocket the gateway refused (a missing or wrong API key): retrying cannot help. */
export const isRefusal = (event: unknown): boolean => typeof event === 'object' && event !== null && 'code' in event && event.code === 4403;

/** The gateway tells the id formats in its own errors too; this is what a person types. */
const ID_FORMATS = 'flowker:<uuid>, promptlayer:<number> or polos:<uuid>, of a configured provider';

const codeOf = (error: GraphQLFormattedError | undefined): string | undefined =>
  typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;

const problem = (title: string, detail: string, line: string, code?: string): Problem => (code ? { title, detail, line, code } : { title, detail, line });

const refusedKey = (state: ViewState): Problem =>
  problem(
    'API key required',
    'This gateway requires an API key: open this page with #key=<your key> at the end of the address.',
    `the gateway at ${state.gateway} refused the API key (pass --key or GATEWAY_API_KEY)`,
    'UNAUTHENTICATED',
  );

/** A clear sentence for the errors the gateway documents; the server's message otherwise. */
export function describeError(state: ViewState, error: GraphQLFormattedError | undefined): Problem {
  const code = codeOf(error);
  const message = error?.message;
  switch (code) {
    case 'BAD_USER_INPUT': {
      const text = `${state.id} is not an execution id this gateway can look up: ${message ?? ''} (ids look like ${ID_FORMATS})`;
      return problem('Not a valid execution id', text, text, code);
    }
    case 'NOT_FOUND':
      return problem('Execution not found', `The upstream has no execution ${state.id}.`, `no execution ${state.id} (${code})`, code);
    case 'UNAUTHENTICATED':
      return refusedKey(state);
    default:
      return problem('The gateway answered with an error', message ?? 'Unknown error.', `${message ?? 'unknown error'}${code ? ` (${code})` : ''}`, code);
  }
}

/** One `next` message of the subscription. */
export function onResult(state: ViewState, result: ProgressResult): ViewState {
  const execution = result.data?.executionUpdated;
  const [error] = result.errors ?? [];
  if (execution) {
    const { warning: _cleared, ...rest } = state;
    return { ...rest, phase: execution.terminal ? 'done' : 'live', execution, updatedAt: new Date() };
  }
  const code = codeOf(error);
  // Upstream trouble while following: the gateway keeps polling and the stream stays open.
  if (state.execution && code?.startsWith('UPSTREAM_')) {
    return { ...state, warning: `Upstream trouble: ${error?.message ?? code} (${code}); the gateway keeps trying.`, updatedAt: new Date() };
  }
  return { ...state, phase: 'problem', problem: describeError(state, error) };
}

/** The server completed the stream: normal after the terminal event. */
export function onComplete(state: ViewState): ViewState {
  if (state.phase === 'done' || state.phase === 'problem') return state;
  if (state.execution?.terminal) return { ...state, phase: 'done' };
  return {
    ...state,
    phase: 'problem',
    problem: problem(
      'The stream ended early',
      'The gateway stopped sending updates before the execution finished. Reload to follow it again.',
      `the gateway ended the stream before ${state.id} finished`,
    ),
  };
}

/** The connection failed for good (after graphql-ws' retries), or the server refused the subscription. */
export function onFailure(state: ViewState, failure: unknown): ViewState {
  if (Array.isArray(failure)) return { ...state, phase: 'problem', problem: describeError(state, failure[0] as GraphQLFormattedError | undefined) };
  if (isRefusal(failure)) return { ...state, phase: 'problem', problem: refusedKey(state) };
  const cause = failureCause(failure);
  const why = cause ? ` (${cause})` : '';
  return {
    ...state,
    phase: 'problem',
    problem: problem('Cannot reach the gateway', `The live connection to the gateway failed${why}. Check that it is running, then reload.`, `cannot reach the gateway at ${state.gateway}${why}`),
  };
}

/** What a failed connection tells: the socket error's code (ECONNREFUSED…), or the close code and reason. */
function failureCause(failure: unknown): string | undefined {
  const event = failure as { code?: unknown; reason?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  const closed = typeof event?.code === 'number' ? `closed with ${event.code}${event.reason ? ` ${String(event.reason)}` : ''}` : undefined;
  const cause = event?.error?.code ?? event?.error?.message ?? event?.message ?? closed;
  return cause === undefined ? undefined : String(cause);
}

/** The socket closed while following: graphql-ws reconnects and resubscribes by itself. */
export const onClosed = (state: ViewState): ViewState => (state.phase === 'live' || state.phase === 'connecting' ? { ...state, phase: 'reconnecting' } : state);

/** Connected (again). */
export const onConnected = (state: ViewState): ViewState => (state.phase === 'reconnecting' ? { ...state, phase: state.execution ? 'live' : 'connecting' } : state);

/** Step and node statuses that will not change any more. */
const FINISHED: ReadonlySet<StepStatus> = new Set<StepStatus>(['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED']);

/** How far along, 0..1, or null when unknown (Polos while running: an indeterminate bar). */
export function fraction(execution: ExecutionView | undefined): number | null {
  if (!execution) return null;
  if (execution.status === 'COMPLETED') return 1;
  const { progress } = execution;
  if (progress && progress.total > 0) return Math.min(1, Math.max(0, progress.completed / progress.total));
  const items = [...execution.steps, ...execution.nodes];
  if (items.length > 0) return items.filter((item) => FINISHED.has(item.status)).length / items.length;
  return execution.terminal ? 1 : null;
}

/**
 * `850 ms`, `12.5 s`, `3 min 20 s`, `5 h 12 min`, `300 d 4 h`; null when unknown. From
 * `durationSeconds`, which (unlike the 32-bit `durationMs`) holds runs longer than 24.8 days.
 */
export function formatDuration(seconds: number): string;
export function formatDuration(seconds: number | null): string | null;
export function formatDuration(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 1) return `${Math.round(seconds * 1_000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3_600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  if (whole < 86_400) return `${Math.floor(whole / 3_600)} h ${Math.floor((whole % 3_600) / 60)} min`;
  return `${Math.floor(whole / 86_400)} d ${Math.floor((whole % 86_400) / 3_600)} h`;
}

/** An execution's error as `CODE: message`, without repeating a code the message already starts with. */
export const errorText = (error: NonNullable<ExecutionView['error']>): string =>
  error.code && !error.message.startsWith(error.code) ? `${error.code}: ${error.message}` : error.message;
