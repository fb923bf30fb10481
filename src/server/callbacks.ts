/**
 * `POST /callbacks/promptlayer/<token>`: where PromptLayer reports a run's end (see
 * src/live/callbacks.ts for what a callback does). Authenticated by its token alone, so it is
 * mounted before the gateway API keys. A plain node:http handler: it needs nothing from the
 * framework around it. Answers: 202 applied, 200 already applied (a replay, or a run seen
 * finished), 404 unknown token, 413 body over the cap, 400 not a PromptLayer callback, 405.
 * Refusals are JSON in the gateway's one error shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCappedBody } from './body.js';
import { CALLBACK_PATH, type CallbackOutcome, type PromptLayerCallbacks } from '../live/callbacks.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface CallbackHandlerOptions {
  /** Larger bodies are refused (UPSTREAM_MAX_RESPONSE_BYTES: a callback is an upstream body). */
  readonly maxBodyBytes: number;
}

const ANSWERS: Record<CallbackOutcome, { status: number; body: unknown }> = {
  accepted: { status: 202, body: { status: 'accepted' } },
  replayed: { status: 200, body: { status: 'already_applied' } },
  unknown_token: { status: 404, body: refusal('NOT_FOUND', 'Unknown callback.') },
  too_large: { status: 413, body: refusal('PAYLOAD_TOO_LARGE', 'Callback body too large (UPSTREAM_MAX_RESPONSE_BYTES).') },
  bad_body: { status: 400, body: refusal('BAD_REQUEST', 'Not a PromptLayer callback for this run.') },
};

export function createCallbackHandler(callbacks: PromptLayerCallbacks, options: CallbackHandlerOptions): NodeHandler {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (!path.startsWith(CALLBACK_PATH)) return send(res, 404, refusal('NOT_FOUND', 'Unknown callback.'));
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, refusal('METHOD_NOT_ALLOWED', 'Callbacks are POSTed.'));
    }
    let outcome: CallbackOutcome;
    try {
      outcome = await callbacks.receive(path.slice(CALLBACK_PATH.length), async () => (await readCappedBody(req, options.maxBodyBytes))?.toString('utf8') ?? null);
    } catch {
      return send(res, 500, refusal('INTERNAL_SERVER_ERROR', 'Internal server error.')); // the request was torn down
    }
    if (outcome === 'too_large') res.setHeader('connection', 'close'); // the rest of the body is not read
    const { status, body } = ANSWERS[outcome];
    send(res, status, body);
  };
}

function refusal(code: string, message: string): unknown {
  return { errors: [{ message, extensions: { code } }] };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
