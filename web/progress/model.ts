/**
 * What the progress page shows, and how each subscription message changes it. No DOM here:
 * `render.ts` draws a `ViewState`, `main.ts` feeds messages in.
 */

/** The selection of `executionUpdated` the page subscribes with (see `main.ts`). */
export interface ExecutionView {
  readonly id: string;
  readonly provider: string;
  readonly upstreamId: string;
  readonly workflowId: string | null;
  readonly status: string;
  readonly statusReason: string | null;
  readonly upstreamStatus: string | null;
  readonly terminal: boolean;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly durationMs: number | null;
  readonly retryCount: number | null;
  readonly progress: { readonly completed: number; readonly total: number } | null;
  readonly steps: readonly { readonly number: number | null; readonly name: string; readonly status: string; readonly error: string | null; readonly durationMs: number | null }[];
  readonly nodes: readonly { readonly name: string; readonly status: string; readonly error: string | null; readonly isOutput: boolean }[];
  readonly output: unknown;
  readonly error: { readonly code: string | null; readonly message: string } | null;
}

export interface GraphQLErrorLike {
  readonly message: string;
  readonly extensions?: { readonly code?: unknown; readonly [key: string]: unknown };
}

/** A problem that ends the page: nothing more will come. */
export interface Problem {
  readonly title: string;
  readonly detail: string;
  readonly code?: string;
}

export interface ViewState {
  readonly id: string;
  /** connecting → live → done; `problem` for a bad id, an unknown execution, an unreachable gateway. */
  readonly phase: 'connecting' | 'live' | 'reconnecting' | 'done' | 'problem';
  readonly execution?: ExecutionView;
  readonly problem?: Problem;
  /** A transient upstream failure while the stream stays open (the last snapshot stays shown). */
  readonly warning?: string;
  readonly updatedAt?: Date;
}

export const initialState = (id: string): ViewState => ({ id, phase: 'connecting' });

const codeOf = (error: GraphQLErrorLike | undefined): string | undefined =>
  typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;

/** A clear sentence for the errors the gateway documents; the server's message otherwise. */
export function describeError(id: string, error: GraphQLErrorLike | undefined): Problem {
  const code = codeOf(error);
  const withCode = (title: string, detail: string): Problem => (code ? { title, detail, code } : { title, detail });
  switch (code) {
    case 'BAD_USER_INPUT':
      return withCode(
        'Not a valid execution id',
        `“${id}” is not an execution id this gateway can look up. Ids look like flowker:<uuid>, promptlayer:<number> or polos:<uuid>, and the provider must be configured. (${error?.message ?? ''})`,
      );
    case 'NOT_FOUND':
      return withCode('Execution not found', `The upstream has no execution “${id}”.`);
    case 'UNAUTHENTICATED':
      return withCode('API key required', 'This gateway requires an API key: open this page with #key=<your key> at the end of the address.');
    default:
      return withCode('The gateway answered with an error', error?.message ?? 'Unknown error.');
  }
}

/** One `next` message of the subscription. */
export function onResult(
  state: ViewState,
  result: { data?: { executionUpdated?: ExecutionView | null } | null | undefined; errors?: readonly GraphQLErrorLike[] | undefined },
): ViewState {
  const execution = result.data?.executionUpdated ?? undefined;
  const [error] = result.errors ?? [];
  if (execution) {
    const { warning: _cleared, ...rest } = state;
    return { ...rest, phase: execution.terminal ? 'done' : 'live', execution, updatedAt: new Date() };
  }
  const code = codeOf(error);
  // Upstream trouble while following: the gateway keeps polling and the stream stays open.
  if (state.execution && code?.startsWith('UPSTREAM_')) {
    return { ...state, warning: `${error?.message ?? 'The upstream is failing'} (${code}); still trying…`, updatedAt: new Date() };
  }
  return { ...state, phase: 'problem', problem: describeError(state.id, error) };
}

/** The server completed the stream: normal after the terminal event. */
export function onComplete(state: ViewState): ViewState {
  if (state.phase === 'done' || state.phase === 'problem') return state;
  if (state.execution?.terminal) return { ...state, phase: 'done' };
  return { ...state, phase: 'problem', problem: { title: 'The stream ended early', detail: 'The gateway stopped sending updates before the execution finished. Reload to follow it again.' } };
}

/** The connection failed for good (after graphql-ws' retries), or the server refused the subscription. */
export function onFailure(state: ViewState, failure: unknown): ViewState {
  if (Array.isArray(failure)) return { ...state, phase: 'problem', problem: describeError(state.id, failure[0] as GraphQLErrorLike | undefined) };
  const close = failure as { code?: unknown; reason?: unknown } | null;
  if (close && close.code === 4403) return { ...state, phase: 'problem', problem: describeError(state.id, { message: 'Forbidden', extensions: { code: 'UNAUTHENTICATED' } }) };
  const detail = close && typeof close.code === 'number' ? ` (WebSocket closed: ${close.code}${close.reason ? ` ${String(close.reason)}` : ''})` : '';
  return { ...state, phase: 'problem', problem: { title: 'Cannot reach the gateway', detail: `The live connection to the gateway failed${detail}. Check that it is running, then reload.` } };
}

/** How far along, 0..1, or null when unknown (shown as an indeterminate bar). */
export function fraction(execution: ExecutionView | undefined): number | null {
  if (!execution) return null;
  if (execution.status === 'COMPLETED') return 1;
  const { progress } = execution;
  if (progress && progress.total > 0) return Math.min(1, Math.max(0, progress.completed / progress.total));
  const items = [...execution.steps, ...execution.nodes];
  if (items.length > 0) return items.filter((item) => TERMINAL_STEP.has(item.status)).length / items.length;
  return execution.terminal ? 1 : null;
}

const TERMINAL_STEP = new Set(['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED']);
