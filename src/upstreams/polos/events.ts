/**
 * Polos' event stream, `GET /api/v1/events/stream?workflow_id=<root workflow>&workflow_run_id=<root>`:
 * every event of an execution tree arrives on its root's topic (docs/upstreams.md §1.6). Each
 * frame is parsed here, at the edge:
 *
 * - the literal `keepalive` data frame (every 50–200 ms while nothing happens) is not JSON;
 * - `{"type":"error","message":…}` is the last frame of a run that failed (the server closes);
 * - an event `{sequence_id, event_type, data}` names its execution in `data._metadata.execution_id`
 *   (none: the root). Finish and cancel events end an execution. `text_delta` frames stream model
 *   tokens and say nothing about status. Step events are best-effort and failed steps send
 *   none, so an event is only ever a reason to read the execution again.
 *
 * The server never closes a stream for a completed or cancelled run: the caller stops it.
 */
import { normalizeUpstreamId } from '../../domain/ids.js';
import type { EventStreamSource, EventTree, UpstreamEvent } from '../adapter.js';
import type { EventStreamClient } from '../http/event-stream.js';
import { tryParseJson } from '../http/json.js';
import { PolosErrorFrame, PolosEventFrame, PolosEventMetadata } from './wire.js';

/** Events after which an execution is over: the SDK's stop rule, plus the worker's cancel event. */
const ENDING_EVENTS = new Set(['workflow_finish', 'agent_finish', 'tool_finish', 'workflow_cancel']);
/** Streamed model tokens: many per second, and never a change of status. */
const TOKEN_EVENTS = new Set(['text_delta']);

/** One object for every keepalive: a busy gateway gets thousands a second. */
const KEEPALIVE: UpstreamEvent = Object.freeze({ kind: 'keepalive' });

export function parsePolosFrame(data: string): UpstreamEvent {
  if (data === 'keepalive' || data.trim() === 'keepalive') return KEEPALIVE;
  const json = tryParseJson(data);
  const closing = PolosErrorFrame.safeParse(json);
  if (closing.success) return { kind: 'closed', message: closing.data.message ?? 'The run failed.' };
  const frame = PolosEventFrame.safeParse(json);
  if (!frame.success) return { kind: 'malformed' };
  const { sequence_id: sequence, event_type: type } = frame.data;
  if (TOKEN_EVENTS.has(type)) return { kind: 'ignored', sequence };
  const metadata = PolosEventMetadata.safeParse(frame.data.data);
  const named = metadata.success ? metadata.data._metadata.execution_id : null;
  // An id that is not a Polos execution id names nothing we could read: the root, then.
  const executionId = named ? normalizeUpstreamId('polos', named) : null;
  return { kind: 'activity', sequence, executionId, ended: ENDING_EVENTS.has(type) };
}

export class PolosEventStream implements EventStreamSource {
  constructor(
    private readonly client: EventStreamClient,
    readonly maxStreams: number,
  ) {}

  open(tree: EventTree, afterSequence: number | null, signal: AbortSignal, onEvent: (event: UpstreamEvent) => void): Promise<{ readonly ended: Promise<void> }> {
    const query: Record<string, string> = { workflow_id: tree.workflowId, workflow_run_id: tree.rootId };
    if (afterSequence !== null) query.last_sequence_id = String(afterSequence);
    return this.client.open({ path: '/api/v1/events/stream', query, endpoint: 'events_stream', signal }, (data) => onEvent(parsePolosFrame(data)));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
