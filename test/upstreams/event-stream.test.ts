/** The SSE client at the edge: frames however the bytes are split, refusals, drops, idleness, size. */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStreamClient } from '../../src/upstreams/http/event-stream.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';

let respond: (res: ServerResponse) => void = () => {};
let server: FakeUpstream;
let origin = '';

beforeAll(async () => {
  server = await startFakeUpstream(() => ({ stream: (res) => respond(res) }));
  origin = server.baseUrl;
});
afterAll(() => server.close());

const client = (overrides: Partial<ConstructorParameters<typeof EventStreamClient>[0]> = {}) =>
  new EventStreamClient({ provider: 'polos', baseUrl: `${origin}/prefix`, headers: { authorization: 'Bearer sk_x' }, connectTimeoutMs: 500, headersTimeoutMs: 500, idleTimeoutMs: 2_000, maxStreams: 2, maxFrameBytes: 64, ...overrides });

async function collect(options: Parameters<typeof client>[0] = {}): Promise<{ frames: string[]; ended: Promise<void> }> {
  const frames: string[] = [];
  const stream = await client(options).open({ path: '/api/v1/events/stream', query: { a: '1' }, endpoint: 'events_stream', signal: new AbortController().signal }, (data) => frames.push(data));
  stream.ended.catch(() => {});
  return { frames, ended: stream.ended };
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

describe('EventStreamClient', () => {
  it('hands over each data frame, whatever the chunking (a character split in two included), without comments; ends when the upstream closes', async () => {
    respond = (res) => {
      sse(res);
      const bytes = Buffer.from(': hello\n\ndata: keepalive\n\ndata: {"é":1}\n\ndata: a\ndata: b\n\n');
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return void res.end();
        res.write(bytes.subarray(at, (at += 3)));
        setTimeout(next, 1);
      };
      next();
    };
    const { frames, ended } = await collect();
    await ended;
    expect(frames).toEqual(['keepalive', '{"é":1}', 'a\nb']);
  });

  it('refuses a non-200 or a non-event-stream answer with a gateway error', async () => {
    respond = (res) => res.writeHead(500).end();
    await expect(collect()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringContaining('HTTP 500') });
    respond = (res) => res.writeHead(403).end();
    await expect(collect()).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED' });
    respond = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await expect(collect()).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('fails the stream when it drops, goes silent, or sends a frame over the cap', async () => {
    respond = (res) => {
      sse(res);
      res.write('data: one\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const dropped = await collect();
    await expect(dropped.ended).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(dropped.frames).toEqual(['one']);

    respond = (res) => void sse(res).write(': nothing more\n\n');
    await expect((await collect({ idleTimeoutMs: 100 })).ended).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });

    respond = (res) => void sse(res).write(`data: ${'x'.repeat(200)}`);
    await expect((await collect()).ended).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('ends quietly when the caller aborts', async () => {
    respond = (res) => void sse(res).write('data: one\n\n');
    const abort = new AbortController();
    const stream = await client().open({ path: '/s', query: {}, endpoint: 'events_stream', signal: abort.signal }, () => {});
    abort.abort();
    await expect(stream.ended).resolves.toBeUndefined();
  });
});
