/** Polos event stream frames, parsed at the adapter edge (docs/upstreams.md §1.6). */
import { describe, expect, it } from 'vitest';
import { parsePolosFrame } from '../../src/upstreams/polos/events.js';

const CHILD = '3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f';
const frame = (event_type: string, data: unknown = {}) => JSON.stringify({ id: 'e1', sequence_id: 7, topic: 'workflow/wf/r', event_type, data, created_at: '2026-02-24T10:00:00Z' });

describe('parsePolosFrame', () => {
  it('reads the literal keepalive frame (not JSON) as a keepalive', () => {
    expect(parsePolosFrame('keepalive')).toEqual({ kind: 'keepalive' });
    expect(parsePolosFrame(' keepalive\n')).toEqual({ kind: 'keepalive' });
  });

  it('reads the error frame of a failed run as the end of the stream', () => {
    expect(parsePolosFrame('{"type":"error","message":"Workflow failed"}')).toEqual({ kind: 'closed', message: 'Workflow failed' });
    expect(parsePolosFrame('{"type":"error"}')).toEqual({ kind: 'closed', message: 'The run failed.' });
  });

  it('names the execution an event is about (_metadata.execution_id), else the root', () => {
    expect(parsePolosFrame(frame('step_start', { step_key: 's', _metadata: { execution_id: CHILD.toUpperCase() } }))).toEqual({ kind: 'activity', sequence: 7, executionId: CHILD, ended: false });
    expect(parsePolosFrame(frame('workflow_start', { text: 'no metadata' }))).toEqual({ kind: 'activity', sequence: 7, executionId: null, ended: false });
    expect(parsePolosFrame(frame('step_finish', { _metadata: { execution_id: 'not-a-uuid' } }))).toMatchObject({ executionId: null });
    expect(parsePolosFrame(frame('step_finish', null))).toMatchObject({ kind: 'activity', executionId: null });
  });

  it('finish and cancel events end an execution; streamed tokens change nothing', () => {
    for (const type of ['workflow_finish', 'agent_finish', 'tool_finish', 'workflow_cancel']) expect(parsePolosFrame(frame(type))).toMatchObject({ kind: 'activity', ended: true });
    expect(parsePolosFrame(frame('tool_call'))).toMatchObject({ kind: 'activity', ended: false });
    expect(parsePolosFrame(frame('text_delta', { delta: 'Hel' }))).toEqual({ kind: 'ignored', sequence: 7 });
  });

  it('anything else is malformed, never a crash', () => {
    for (const data of ['', '{', '[]', 'null', '{"event_type":"step_start"}', '{"sequence_id":"7","event_type":"x"}', '{"type":"warning"}']) {
      expect(parsePolosFrame(data)).toEqual({ kind: 'malformed' });
    }
  });
});
