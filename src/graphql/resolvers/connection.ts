/**
 * Relay connections over the upstreams' own paging (Flowker cursors, Polos offsets). A cursor is
 * opaque to clients: base64url JSON holding the upstream position of a page and how many of its
 * items to skip, plus the query it belongs to, so that a cursor cannot be replayed against
 * another provider or filter and silently return the wrong executions.
 */
import { GatewayError } from '../../domain/errors.js';
import type { Execution } from '../../domain/execution.js';
import type { Provider } from '../../domain/ids.js';
import type { ListPage, ListRequest } from '../../upstreams/adapter.js';

interface Position {
  /** Upstream position of the page (null: the first page). */
  readonly at: string | null;
  /** Items of that page already seen. */
  readonly skip: number;
  /** The query the cursor belongs to. */
  readonly query: string;
}

export interface ConnectionArgs {
  readonly provider: Provider;
  readonly workflowId: string | null;
  readonly status: ListRequest['status'];
  readonly first: number;
  readonly after: string | null;
}

export interface Connection {
  readonly edges: { cursor: string; node: Execution }[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 100;

const encode = (position: Position): string => Buffer.from(JSON.stringify(position)).toString('base64url');

function decode(cursor: string, query: string): Position {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    if (position.query === query && Number.isInteger(position.skip) && position.skip >= 0) return position;
  } catch {
    // fall through: any unreadable cursor gets the same answer
  }
  throw new GatewayError('BAD_USER_INPUT', 'Invalid cursor: pass an endCursor or edge cursor from the same query.');
}

export async function listConnection(args: ConnectionArgs, list: (request: ListRequest) => Promise<ListPage>): Promise<Connection> {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
    throw new GatewayError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  const query = JSON.stringify([args.provider, args.workflowId, args.status]);
  const start = args.after === null ? { at: null, skip: 0, query } : decode(args.after, query);
  // Resuming in the middle of an upstream page asks for that page again, larger, and skips what was seen.
  const page = await list({ workflowId: args.workflowId, status: args.status, first: Math.min(MAX_PAGE_SIZE, start.skip + args.first), after: start.at });
  const nodes = page.executions.slice(start.skip, start.skip + args.first);
  const consumedWholePage = start.skip + nodes.length >= page.executions.length;
  const edges = nodes.map((node, index) => {
    const isLast = index === nodes.length - 1;
    const cursor = isLast && consumedWholePage && page.next !== null
      ? encode({ at: page.next, skip: 0, query })
      : encode({ at: start.at, skip: start.skip + index + 1, query });
    return { cursor, node };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: !consumedWholePage || page.next !== null,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
