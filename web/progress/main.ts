/**
 * The execution progress page, `/executions/<global id>`: an example of a frontend on this API.
 * One graphql-ws subscription to `executionUpdated` gives the current snapshot, then one event
 * per change, then completes after the terminal event; each event redraws the page.
 */
import { createClient } from 'graphql-ws';
import { endpoints, gatewayAuthorization, readPageConfig } from '../shared/page-config.js';
import { initialState, onComplete, onFailure, onResult, type ExecutionView, type ViewState } from './model.js';
import { render } from './render.js';
import './progress.css';

const EXECUTION_UPDATED = /* GraphQL */ `
  subscription ExecutionProgress($id: ID!) {
    executionUpdated(id: $id) {
      id
      provider
      upstreamId
      workflowId
      status
      statusReason
      upstreamStatus
      terminal
      startedAt
      completedAt
      durationMs
      retryCount
      progress { completed total }
      steps { number name status error durationMs }
      nodes { name status error isOutput }
      output
      error { code message }
    }
  }
`;

const config = readPageConfig();
const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from the page');
const id = config.executionId ?? decodeURIComponent(window.location.pathname.split('/').pop() ?? '');

let state: ViewState = initialState(id);
const update = (next: ViewState) => {
  state = next;
  render(root, state);
};
update(state);

const authorization = gatewayAuthorization();
const client = createClient({
  url: endpoints(config.graphqlPath).ws,
  connectionParams: authorization ? { authorization } : {},
  retryAttempts: 5,
  // Reconnect on abnormal closes (the gateway restarting…); graphql-ws resubscribes by itself.
  shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && event.code === 4403),
  on: {
    connected: () => {
      if (state.phase === 'reconnecting') update({ ...state, phase: state.execution ? 'live' : 'connecting' });
    },
    closed: () => {
      if (state.phase === 'live' || state.phase === 'connecting') update({ ...state, phase: 'reconnecting' });
    },
  },
});

client.subscribe<{ executionUpdated: ExecutionView | null }>(
  { query: EXECUTION_UPDATED, variables: { id } },
  {
    next: (result) => update(onResult(state, result)),
    complete: () => {
      update(onComplete(state));
      void client.dispose();
    },
    error: (failure) => {
      update(onFailure(state, failure));
      void client.dispose();
    },
  },
);
