/**
 * Child process: the "naive" baseline, a typical hand-written Apollo gateway over the same
 * upstreams and the same SDL (schema/*.graphql): @apollo/server's standalone server, resolvers
 * that `fetch` the upstream for every resolved field or alias, no DataLoader, no dedup, no
 * cache. It maps just enough of each wire format for the benchmark's queries to be answered
 * like the real gateway answers them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { serveRpc, usage } from './ipc.js';

const SCHEMA_DIR = new URL('../schema/', import.meta.url);
const typeDefs = readdirSync(SCHEMA_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .map((file) => readFileSync(new URL(file, SCHEMA_DIR), 'utf8'));

const env = process.env;
const FLOWKER = env.FLOWKER_BASE_URL!;
const PROMPTLAYER = env.PROMPTLAYER_BASE_URL!;
const POLOS = env.POLOS_BASE_URL!;
const flowkerHeaders = { 'x-api-key': env.FLOWKER_API_KEY ?? '' };
const promptlayerHeaders = { 'x-api-key': env.PROMPTLAYER_API_KEY ?? '' };
const polosHeaders = { authorization: `Bearer ${env.POLOS_API_KEY ?? ''}`, 'x-project-id': env.POLOS_PROJECT_ID ?? '' };

interface NaiveExecution {
  id: string;
  provider: 'FLOWKER' | 'PROMPTLAYER' | 'POLOS';
  upstreamId: string;
  workflowId: string | null;
  status: string;
  upstreamStatus: string | null;
  terminal: boolean;
  createdAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  progress: { completed: number; total: number } | null;
  input: unknown;
  output: unknown;
  retryCount: number | null;
  nodes: unknown[];
  parentId: string | null;
  rootId: string | null;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const POLOS_STATUS: Record<string, string> = {
  pending: 'PENDING', queued: 'QUEUED', claimed: 'QUEUED', running: 'RUNNING', waiting: 'WAITING',
  pending_cancel: 'CANCELLING', completed: 'COMPLETED', failed: 'FAILED', cancelled: 'CANCELLED',
};

async function fetchExecution(id: string): Promise<NaiveExecution | null> {
  const [provider, upstreamId = ''] = id.split(':');
  if (provider === 'flowker') {
    const response = await fetch(`${FLOWKER}/v1/executions/${upstreamId}`, { headers: flowkerHeaders });
    if (response.status === 404) return null;
    const body: any = await response.json();
    const status = String(body.status).toUpperCase();
    return {
      id, provider: 'FLOWKER', upstreamId, workflowId: body.workflowId ?? null, status, upstreamStatus: body.status,
      terminal: TERMINAL.has(status), createdAt: null, startedAt: body.startedAt ?? null, completedAt: body.completedAt ?? null,
      progress: body.totalSteps ? { completed: body.currentStepNumber, total: body.totalSteps } : null,
      input: null, output: null, retryCount: null, nodes: [], parentId: null, rootId: null,
    };
  }
  if (provider === 'polos') {
    const response = await fetch(`${POLOS}/api/v1/executions/${upstreamId}`, { headers: polosHeaders });
    const text = await response.text();
    if (response.status === 500 && text === '') return null;
    const body: any = JSON.parse(text);
    const status = POLOS_STATUS[body.status] ?? 'RUNNING';
    return {
      id, provider: 'POLOS', upstreamId, workflowId: body.workflow_id, status, upstreamStatus: body.status,
      terminal: TERMINAL.has(status), createdAt: body.created_at, startedAt: body.started_at ?? null, completedAt: body.completed_at ?? null,
      progress: null, input: body.payload ?? null, output: body.result ?? null, retryCount: body.retry_count,
      nodes: [], parentId: body.parent_execution_id ?? null, rootId: body.root_execution_id ?? null,
    };
  }
  if (provider === 'promptlayer') {
    const response = await fetch(
      `${PROMPTLAYER}/workflow-version-execution-results?workflow_version_execution_id=${upstreamId}&return_all_outputs=true`,
      { headers: promptlayerHeaders },
    );
    if (response.status === 404) return null;
    const body = (await response.json()) as Record<string, any>;
    const nodes = Object.entries(body).map(([name, node]) => ({
      name, status: node.status === 'SUCCESS' ? 'COMPLETED' : node.status, upstreamStatus: node.status,
      value: node.value ?? null, error: node.error_message ?? null, rawError: node.raw_error_message ?? null, isOutput: Boolean(node.is_output_node),
    }));
    const finished = response.status === 200;
    const status = finished ? (nodes.some((node) => node.status === 'FAILED') ? 'FAILED' : 'COMPLETED') : 'RUNNING';
    return {
      id, provider: 'PROMPTLAYER', upstreamId, workflowId: null, status, upstreamStatus: String(response.status),
      terminal: finished, createdAt: null, startedAt: null, completedAt: null,
      progress: { completed: nodes.filter((node) => node.status === 'COMPLETED').length, total: nodes.length },
      input: null, output: nodes.find((node) => node.isOutput)?.value ?? null, retryCount: null, nodes, parentId: null, rootId: null,
    };
  }
  throw new Error(`Invalid id ${id}`);
}

async function flowkerResults(upstreamId: string): Promise<any> {
  const response = await fetch(`${FLOWKER}/v1/executions/${upstreamId}/results`, { headers: flowkerHeaders });
  return response.status === 200 ? response.json() : null;
}

const resolvers = {
  Query: {
    execution: (_: unknown, { id }: { id: string }) => fetchExecution(id),
    executions: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => fetchExecution(id)),
    node: (_: unknown, { id }: { id: string }) => fetchExecution(id),
  },
  Node: { __resolveType: () => 'Execution' },
  Execution: {
    output: async (execution: NaiveExecution) =>
      execution.provider === 'FLOWKER' ? ((await flowkerResults(execution.upstreamId))?.finalOutput ?? null) : execution.output,
    steps: async (execution: NaiveExecution) => {
      if (execution.provider !== 'FLOWKER') return [];
      const results = await flowkerResults(execution.upstreamId);
      return (results?.stepResults ?? []).map((step: any) => ({ number: step.stepNumber, name: step.stepName, status: String(step.status).toUpperCase(), output: step.output }));
    },
    parent: (execution: NaiveExecution) => (execution.parentId ? fetchExecution(`polos:${execution.parentId}`) : null),
    root: (execution: NaiveExecution) => (execution.rootId ? fetchExecution(`polos:${execution.rootId}`) : null),
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });

serveRpc(
  {
    usage,
    stop: async () => {
      await server.stop();
      process.exit(0);
    },
  },
  { url },
);
