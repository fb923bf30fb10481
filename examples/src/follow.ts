/**
 * A tiny typed client of the gateway: documents written with the client preset's `graphql()`
 * get their result and variable types from docs/schema.graphql, so a typo in a field or a wrong
 * variable is a compile error (`npm run examples:check`), and are sent by their trusted-document
 * id (./client.ts), so the gateway may run with PERSISTED_DOCUMENTS_ONLY=true.
 *
 *   npx tsx examples/src/follow.ts <global id> [http://localhost:4000/graphql] [ws|sse]
 *
 * The query goes over HTTP POST; the subscription over graphql-ws (default) or graphql-sse.
 */
import { execute, subscribe, type Transport } from './client.js';
import { graphql } from './gql/index.js';

const ExecutionSummary = graphql(`
  query ExecutionSummary($id: ID!) {
    execution(id: $id) {
      id
      provider
      status
      progress {
        completed
        total
      }
    }
  }
`);

const FollowExecution = graphql(`
  subscription FollowExecution($id: ID!) {
    executionUpdated(id: $id) {
      status
      terminal
      progress {
        completed
        total
      }
      output
      error {
        message
      }
    }
  }
`);

async function main(id: string, url: string, transport: Transport): Promise<void> {
  const { execution } = await execute(url, ExecutionSummary, { id });
  if (!execution) throw new Error(`No execution ${id}`);
  // `execution.provider` is typed 'FLOWKER' | 'PROMPTLAYER' | 'POLOS'; `progress` may be null.
  console.log(`${execution.id} (${execution.provider}) is ${execution.status}`);
  await subscribe(
    url,
    FollowExecution,
    { id },
    ({ executionUpdated: update }) => {
      const progress = update.progress ? ` ${update.progress.completed}/${update.progress.total}` : '';
      console.log(`${update.status}${progress}`);
      if (update.terminal) console.log(update.error ? `error: ${update.error.message}` : `output: ${JSON.stringify(update.output)}`);
    },
    transport,
  );
}

const [id, url = 'http://localhost:4000/graphql', transport = 'ws'] = process.argv.slice(2);
if (!id || (transport !== 'ws' && transport !== 'sse')) {
  console.error('usage: npx tsx examples/src/follow.ts <global id> [graphql url] [ws|sse]');
  process.exit(2);
}
main(id, url, transport).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
