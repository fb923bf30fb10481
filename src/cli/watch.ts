/**
 * `execution-gateway watch <global id>`: follows one execution through the gateway's
 * `executionUpdated` subscription (graphql-ws) and shows its progress until it is terminal.
 *
 * Exit codes: 0 COMPLETED, 1 FAILED or CANCELLED, 2 anything else (a bad or unknown id, an
 * unreachable gateway, a refused API key, a stream that ended early).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { changedItems, outcome, renderBlock, statusLine, type Style, type WatchedExecution } from './render.js';

export const EXIT = { completed: 0, failed: 1, error: 2 } as const;

const EXECUTION_UPDATED = /* GraphQL */ `
  subscription Watch($id: ID!) {
    executionUpdated(id: $id) {
      id
      provider
      workflowId
      status
      statusReason
      terminal
      durationMs
      retryCount
      progress { completed total }
      steps { number name status error }
      nodes { name status error }
      output
      error { code message }
    }
  }
`;

export interface WatchOptions {
  readonly id: string;
  /** The gateway's GraphQL endpoint, `http(s)://…/graphql` or `ws(s)://…/graphql`. */
  readonly url: string;
  /** Gateway API key (GATEWAY_API_KEYS), sent as `connectionParams.authorization`. */
  readonly apiKey?: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** Redraw in place (a terminal) or print one line per change. */
  readonly tty: boolean;
  readonly color: boolean;
  readonly columns?: number;
  /** How long to wait for the WebSocket handshake. */
  readonly connectTimeoutMs?: number;
}

export interface GraphQLErrorLike {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

export const toWebSocketUrl = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new Error(`--url must be an http(s) or ws(s) URL, not ${url}`);
  return parsed.href;
};

const codeOf = (error: GraphQLErrorLike | undefined): string | undefined =>
  typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;

/** One sentence for an error that ends the watch. */
export function describe(id: string, error: GraphQLErrorLike | undefined): string {
  const code = codeOf(error);
  switch (code) {
    case 'BAD_USER_INPUT':
      return `${id} is not an execution id this gateway can look up: ${error?.message ?? ''} (ids look like flowker:<uuid>, promptlayer:<int>, polos:<uuid>)`;
    case 'NOT_FOUND':
      return `no execution ${id} (NOT_FOUND)`;
    default:
      return `${error?.message ?? 'unknown error'}${code ? ` (${code})` : ''}`;
  }
}

/** What a failed WebSocket says: close code and reason, or the socket error (ECONNREFUSED…). */
function describeFailure(url: string, failure: unknown): string {
  if (Array.isArray(failure)) return (failure as GraphQLErrorLike[]).map((error) => describe('', error)).join('; ');
  const event = failure as { code?: unknown; reason?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (event?.code === 4403) return `the gateway at ${url} refused the API key (pass --key or GATEWAY_API_KEY)`;
  const cause = event?.error?.code ?? event?.error?.message ?? event?.message ?? (typeof event?.code === 'number' ? `closed with ${event.code}${event.reason ? ` ${String(event.reason)}` : ''}` : undefined);
  return `cannot reach the gateway at ${url}${cause ? ` (${String(cause)})` : ''}`;
}

/** Follows the execution; resolves with the exit code once it is over. */
export function watchExecution(options: WatchOptions): Promise<number> {
  const style: Style = { color: options.color, columns: options.columns ?? 100 };
  const wsUrl = toWebSocketUrl(options.url);
  const write = (text: string) => options.out.write(text);
  const fail = (message: string) => options.err.write(`${options.color ? '\x1b[31merror:\x1b[0m' : 'error:'} ${message}\n`);

  let latest: WatchedExecution | undefined;
  let drawn = 0; // lines of the block currently on screen (tty mode)
  let warning = '';
  let connectedOnce = false;

  const draw = (execution: WatchedExecution, note: string) => {
    const lines = renderBlock(execution, style, note);
    // Back to the first line of the previous block, clear to the end of the screen, draw again.
    write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  const show = (execution: WatchedExecution) => {
    if (options.tty) {
      draw(execution, warning || (execution.terminal ? '' : `live · ${new Date().toLocaleTimeString()}`));
    } else {
      const previous = latest;
      const changed =
        !previous || previous.status !== execution.status || previous.retryCount !== execution.retryCount || JSON.stringify(previous.progress) !== JSON.stringify(execution.progress);
      if (changed) write(`${statusLine(execution, style, new Date())}\n`);
      for (const line of changedItems(previous, execution, style)) write(`${line}\n`);
    }
    latest = execution;
  };

  // `ws` with a handshake timeout, so that an address that never answers does not hang the CLI.
  const timeout = options.connectTimeoutMs ?? 10_000;
  class TimedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { handshakeTimeout: timeout });
    }
  }

  return new Promise<number>((resolve) => {
    let client: Client | undefined;
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      void client?.dispose();
      resolve(code);
    };

    if (!options.tty) write(`watching ${options.id} at ${options.url}\n`);
    client = createClient({
      url: wsUrl,
      webSocketImpl: TimedWebSocket,
      connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      lazy: true,
      // Once connected, ride out a gateway restart (graphql-ws resubscribes); never retry a first failure.
      retryAttempts: 5,
      shouldRetry: (event) => connectedOnce && !(event && typeof event === 'object' && 'code' in event && event.code === 4403),
      on: {
        connected: () => {
          connectedOnce = true;
        },
      },
    });

    client.subscribe<{ executionUpdated: WatchedExecution | null }>(
      { query: EXECUTION_UPDATED, variables: { id: options.id } },
      {
        next: (result) => {
          const execution = result.data?.executionUpdated;
          if (execution) {
            warning = '';
            show(execution);
            return;
          }
          const [error] = (result.errors ?? []) as GraphQLErrorLike[];
          const code = codeOf(error);
          if (latest && code?.startsWith('UPSTREAM_')) {
            // The gateway keeps polling and the stream stays open: say so, keep waiting.
            warning = `upstream trouble: ${error?.message ?? code} (${code}); the gateway keeps trying`;
            if (options.tty) draw(latest, warning);
            else write(`${new Date().toISOString().slice(11, 19)} ${warning}\n`);
            return;
          }
          fail(describe(options.id, error));
          finish(EXIT.error);
        },
        complete: () => {
          if (settled) return;
          if (!latest?.terminal) {
            fail(`the gateway ended the stream before ${options.id} finished`);
            return finish(EXIT.error);
          }
          for (const line of outcome(latest, style)) write(`${line}\n`);
          finish(latest.status === 'COMPLETED' ? EXIT.completed : EXIT.failed);
        },
        error: (failure) => {
          fail(describeFailure(options.url, failure));
          finish(EXIT.error);
        },
      },
    );
  });
}
