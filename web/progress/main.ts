/**
 * The execution progress page, `/executions/<global id>`: an example of a frontend on this API.
 * One graphql-ws subscription to `executionUpdated` gives the current snapshot, then one event
 * per change, then completes after the terminal event; each event goes through the model shared
 * with the terminal watcher (src/clients/progress.ts) and redraws the page.
 */
import { createClient } from 'graphql-ws';
import type { ExecutionProgressSubscription } from '../../src/generated/clients/graphql.js';
import { initialState, isRefusal, onClosed, onComplete, onConnected, onFailure, onResult, progressRequest, type ViewState } from '../../src/clients/progress.js';
import { endpoints, gatewayAuthorization, readPageConfig } from '../shared/page-config.js';
import { render } from './render.js';
import './progress.css';

const config = readPageConfig();
const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from the page');
const id = config.executionId ?? decodeURIComponent(window.location.pathname.split('/').pop() ?? '');

const { ws } = endpoints(config.graphqlPath);

let state: ViewState = initialState(id, ws);
const update = (next: ViewState) => {
  state = next;
  render(root, state);
};
update(state);

const authorization = gatewayAuthorization();
const client = createClient({
  url: ws,
  connectionParams: authorization ? { authorization } : {},
  retryAttempts: 5,
  // Reconnect on abnormal closes (the gateway restarting…); graphql-ws resubscribes by itself.
  shouldRetry: (event) => !isRefusal(event),
  on: {
    connected: () => update(onConnected(state)),
    closed: () => update(onClosed(state)),
  },
});

client.subscribe<ExecutionProgressSubscription>(progressRequest(id), {
  next: (result) => update(onResult(state, result)),
  complete: () => {
    update(onComplete(state));
    void client.dispose();
  },
  error: (failure) => {
    update(onFailure(state, failure));
    void client.dispose();
  },
});
