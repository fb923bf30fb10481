/**
 * `execution-gateway watch <global id>`: follows one execution through the gateway's
 * `executionUpdated` subscription (graphql-ws) and shows its progress until it is terminal.
 *
 * Exit codes: 0 COMPLETED, 1 FAILED or CANCELLED, 2 anything else (a bad or unknown id, an
 * unreachable gateway, a refused API key, a stream that ended early). What each event means comes
 * from the model it shares with the progress page (src/clients/progress.ts); this file draws it.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExecutionProgressSubscription } from '../generated/clients/graphql.js';
import { initialState, isRefusal, onComplete, onFailure, onResult, progressRequest, type ExecutionView, type ViewState } from '../clients/progress.js';
import { changedItems, outcome, renderBlock, statusLine, type Style } from './render.js';

export const EXIT = { completed: 0, failed: 1, error: 2 } as const;

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

const toWebSocketUrl = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new Error(`--url must be an http(s) or ws(s) URL, not ${url}`);
  return parsed.href;
};

/** Follows the execution; resolves with the exit code once it is over. */
export function watchExecution(options: WatchOptions): Promise<number> {
  const style: Style = { color: options.color, columns: options.columns ?? 100 };
  const wsUrl = toWebSocketUrl(options.url);
  const write = (text: string) => options.out.write(text);
  const fail = (message: string) => options.err.write(`${options.color ? '\x1b[31merror:\x1b[0m' : 'error:'} ${message}\n`);

  let state = initialState(options.id, options.url);
  let drawn = 0; // lines of the block currently on screen (tty mode)
  let connectedOnce = false;

  const draw = (execution: ExecutionView, note: string) => {
    const lines = renderBlock(execution, style, note);
    // Back to the first line of the previous block, clear to the end of the screen, draw again.
    write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  const show = (previous: ExecutionView | undefined, execution: ExecutionView) => {
    if (options.tty) {
      draw(execution, execution.terminal ? '' : `live · ${new Date().toLocaleTimeString()}`);
      return;
    }
    const changed =
      !previous || previous.status !== execution.status || previous.retryCount !== execution.retryCount || JSON.stringify(previous.progress) !== JSON.stringify(execution.progress);
    if (changed) write(`${statusLine(execution, style, new Date())}\n`);
    for (const line of changedItems(previous, execution, style)) write(`${line}\n`);
  };

  const warn = (execution: ExecutionView, warning: string) => {
    // The gateway keeps polling and the stream stays open: say so, keep waiting.
    if (options.tty) draw(execution, warning);
    else write(`${new Date().toISOString().slice(11, 19)} ${warning}\n`);
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

    /** Shows what changed between the previous state and `next`; a problem ends the watch. */
    const update = (next: ViewState) => {
      if (settled) return;
      const previous = state;
      state = next;
      if (next.problem) {
        fail(next.problem.line);
        finish(EXIT.error);
      } else if (next.execution && next.execution !== previous.execution) {
        show(previous.execution, next.execution);
      } else if (next.execution && next.warning && next.warning !== previous.warning) {
        warn(next.execution, next.warning);
      }
    };

    if (!options.tty) write(`watching ${options.id} at ${options.url}\n`);
    client = createClient({
      url: wsUrl,
      webSocketImpl: TimedWebSocket,
      connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      lazy: true,
      // Once connected, ride out a gateway restart (graphql-ws resubscribes); never retry a first failure.
      retryAttempts: 5,
      shouldRetry: (event) => connectedOnce && !isRefusal(event),
      on: {
        connected: () => {
          connectedOnce = true;
        },
      },
    });

    client.subscribe<ExecutionProgressSubscription>(progressRequest(options.id), {
      next: (result) => update(onResult(state, result)),
      complete: () => {
        update(onComplete(state));
        if (settled || !state.execution) return;
        for (const line of outcome(state.execution, style)) write(`${line}\n`);
        finish(state.execution.status === 'COMPLETED' ? EXIT.completed : EXIT.failed);
      },
      error: (failure) => update(onFailure(state, failure)),
    });
  });
}
