/**
 * listConnection over a fake upstream list: cursors round-trip through every page whatever the
 * page sizes (upstream pages and `first` need not line up), resume in the middle of an upstream
 * page, and are refused when forged or replayed against another query.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listConnection, type ConnectionArgs } from '../../src/graphql/resolvers/connection.js';
import type { ListPage, ListRequest } from '../../src/upstreams/adapter.js';
import { anExecution } from '../support/executions.js';
import { uuid } from '../support/payloads.js';

/** An upstream of `total` executions paged by offset, never giving more than `pageLimit` at once. */
function offsetUpstream(total: number, pageLimit: number) {
  const requests: ListRequest[] = [];
  const list = async (request: ListRequest): Promise<ListPage> => {
    requests.push(request);
    const start = Number(request.after ?? 0);
    const end = Math.min(total, start + Math.min(pageLimit, request.first));
    const executions = Array.from({ length: end - start }, (_, i) => anExecution({ upstreamId: uuid(start + i) }));
    return { executions, next: end < total ? String(end) : null };
  };
  return { list, requests };
}

const ARGS: ConnectionArgs = { provider: 'polos', workflowId: null, status: null, first: 2, after: null };

/** Follows endCursor to the end: the upstream ids in the order served. */
async function walk(list: (request: ListRequest) => Promise<ListPage>, first: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 1; ; pages++) {
    const connection = await listConnection({ ...ARGS, first, after }, list);
    ids.push(...connection.edges.map((edge) => edge.node.upstreamId));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
    if (pages > 1_000) throw new Error('no end');
  }
}

describe('listConnection: cursor round-trips', () => {
  it('every execution once, in order, for any total, upstream page limit and first', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), async (total, pageLimit, first) => {
        const { list } = offsetUpstream(total, pageLimit);
        expect(await walk(list, first)).toEqual(Array.from({ length: total }, (_, i) => uuid(i)));
      }),
    );
  });

  it('an edge cursor resumes right after its edge, asking the upstream for that page again, larger', async () => {
    const { list, requests } = offsetUpstream(10, 10);
    const first = await listConnection({ ...ARGS, first: 3 }, list);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0]!.cursor });
    const resumed = await listConnection({ ...ARGS, first: 2, after: first.edges[1]!.cursor }, list);
    expect(resumed.edges.map((edge) => edge.node.upstreamId)).toEqual([uuid(2), uuid(3)]);
    expect(requests.at(-1)).toMatchObject({ after: null, first: 4 });
  });

  it('the last edge of an upstream page points at the next upstream page', async () => {
    const { list, requests } = offsetUpstream(6, 3);
    const page = await listConnection({ ...ARGS, first: 3 }, list);
    await listConnection({ ...ARGS, first: 3, after: page.pageInfo.endCursor }, list);
    expect(requests.at(-1)).toMatchObject({ after: '3', first: 3 });
  });

  it('an empty list: no edges, no cursors, no next page', async () => {
    const { list } = offsetUpstream(0, 5);
    await expect(listConnection(ARGS, list)).resolves.toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });
});

describe('listConnection: cursors and sizes it refuses', () => {
  const refused = { code: 'BAD_USER_INPUT', message: expect.stringMatching(/Invalid cursor/) };

  it('a cursor from another provider, workflow or status filter', async () => {
    const { list, requests } = offsetUpstream(10, 10);
    const cursor = (await listConnection(ARGS, list)).pageInfo.endCursor;
    for (const other of [{ provider: 'flowker' as const }, { workflowId: 'other' }, { status: 'RUNNING' as const }]) {
      await expect(listConnection({ ...ARGS, ...other, after: cursor }, list)).rejects.toMatchObject(refused);
    }
    expect(requests).toHaveLength(1);
  });

  it.each(['', 'not a cursor', Buffer.from('{"at":null,"skip":-1,"query":"x"}').toString('base64url'), Buffer.from('[1]').toString('base64url')])(
    'a forged or broken cursor %j',
    async (after) => {
      const { list, requests } = offsetUpstream(10, 10);
      await expect(listConnection({ ...ARGS, after }, list)).rejects.toMatchObject(refused);
      expect(requests).toHaveLength(0);
    },
  );

  it.each([0, -1, 101, 1.5])('first: %d', async (first) => {
    const { list, requests } = offsetUpstream(10, 10);
    await expect(listConnection({ ...ARGS, first }, list)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('first') });
    expect(requests).toHaveLength(0);
  });
});
