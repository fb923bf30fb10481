/**
 * Child process for bench/live.ts: many real graphql-ws clients (one WebSocket each, over `ws`),
 * each holding one or more `executionUpdated` subscriptions. Every event after a
 * subscription's first (the current snapshot) is a change: it is recorded as
 * (execution, step, receive time), the step being what the fake upstream's schedule says (Flowker
 * and PromptLayer progress, Polos retry count).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { serveRpc, usage } from './ipc.js';
import { LIVE_SUBSCRIPTION, numberOf, wallClock } from './shared.js';

interface StartArgs {
  readonly url: string;
  /** Global ids, one subscription each. */
  readonly ids: readonly string[];
  readonly subscriptionsPerSocket: number;
  /** Sockets opened at once while connecting. */
  readonly batch: number;
}

interface Subscription {
  lastStep: number;
  seen: boolean;
}

const clients: Client[] = [];
let recording = false;
/** Flat (n, step, receivedAt) triples. */
let changes: number[] = [];
const counters = { events: 0, missedSteps: 0, repeatedOrOlder: 0, errors: 0, completed: 0 };

type Event = { data?: { executionUpdated?: { id: string; progress: { completed: number } | null; retryCount: number | null } } | null; errors?: unknown };

function stepOf(event: Event): { n: number; step: number } | null {
  const execution = event.data?.executionUpdated;
  if (!execution) return null;
  const upstreamId = execution.id.slice(execution.id.indexOf(':') + 1);
  const step = execution.id.startsWith('polos:') ? execution.retryCount : execution.progress?.completed;
  return step === null || step === undefined ? null : { n: numberOf(upstreamId), step };
}

async function start({ url, ids, subscriptionsPerSocket, batch }: StartArgs): Promise<{ subscriptions: number; sockets: number; ms: number }> {
  const began = performance.now();
  const wsUrl = url.replace(/^http/, 'ws');
  for (let first = 0; first < ids.length; first += batch * subscriptionsPerSocket) {
    const waits: Promise<void>[] = [];
    for (let socketStart = first; socketStart < Math.min(ids.length, first + batch * subscriptionsPerSocket); socketStart += subscriptionsPerSocket) {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      for (const id of ids.slice(socketStart, socketStart + subscriptionsPerSocket)) {
        const state: Subscription = { lastStep: -1, seen: false };
        waits.push(
          new Promise<void>((resolve) => {
            client.subscribe(
              { query: LIVE_SUBSCRIPTION, variables: { id } },
              {
                next: (event) => {
                  const receivedAt = wallClock();
                  counters.events++;
                  const change = stepOf(event as Event);
                  if (!change) {
                    counters.errors++;
                    return;
                  }
                  if (!state.seen) {
                    state.seen = true;
                    state.lastStep = change.step;
                    resolve();
                    return;
                  }
                  if (change.step <= state.lastStep) {
                    counters.repeatedOrOlder++;
                    return;
                  }
                  if (recording) {
                    counters.missedSteps += change.step - state.lastStep - 1;
                    changes.push(change.n, change.step, receivedAt);
                  }
                  state.lastStep = change.step;
                },
                error: () => {
                  counters.errors++;
                  resolve();
                },
                complete: () => {
                  counters.completed++;
                  resolve();
                },
              },
            );
          }),
        );
      }
    }
    await Promise.all(waits);
  }
  return { subscriptions: ids.length, sockets: clients.length, ms: performance.now() - began };
}

serveRpc(
  {
    start,
    record: () => {
      changes = [];
      for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] = 0;
      recording = true;
    },
    collect: () => {
      recording = false;
      return { changes, counters: { ...counters } };
    },
    usage,
    stop: async () => {
      await Promise.allSettled(clients.map((client) => client.dispose()));
      process.exit(0);
    },
  },
  {},
);
