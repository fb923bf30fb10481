/**
 * Helpers for the production-hardening tests in test/server: raw HTTP (any method, body, headers),
 * Prometheus scraping, raw graphql-transport-ws sockets that expose close codes, and handlers for
 * healthy fake upstreams. Everything talks to real sockets.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { request } from 'undici';
import WebSocket from 'ws';
import type { FakeHandler } from './fake-upstream.js';
import { flowkerError, flowkerStatus, polosBody, uuid } from './payloads.js';

/** The execution id a Polos request asks for. */
export const polosIdOf = (path: string): string => /^\/api\/v1\/executions\/([^/]+)$/.exec(path)?.[1] ?? '';

/** Answers every Polos id with a running execution. */
export const healthyPolos: FakeHandler = (request) => ({ body: polosBody(polosIdOf(request.path)) });

export const healthyFlowker: FakeHandler = (request) => {
  const id = /^\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1];
  return id ? { body: flowkerStatus({ executionId: id, workflowId: uuid(999) }) } : { status: 404, body: flowkerError() };
};

/** Whether a new TCP connection to the port is refused (true) or accepted (false). */
export const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

/** `http://host:port/graphql` → `http://host:port`. */
export const originOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql$/, '');

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: any;
}

export async function httpRequest(
  url: string,
  options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS'; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const response = await request(url, {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** POST a GraphQL body (object or batch array) as JSON. */
export const postGraphQL = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
  httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

export async function scrapeMetrics(graphqlUrl: string): Promise<string> {
  const response = await httpRequest(`${originOf(graphqlUrl)}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text;
}

/**
 * The value of one sample in Prometheus text, matching the metric name and (a subset of) its
 * labels; undefined when there is no such sample.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map<string, string>();
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) present.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

/** The sum of every sample of a metric whose labels include the given ones (0 when none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name || line.startsWith('#')) continue;
    if (metricValue(line, name, labels) !== undefined) sum += Number(match[3]);
  }
  return sum;
}

/** A raw graphql-transport-ws socket: every message and the close code are observable. */
export interface RawSocket {
  readonly socket: WebSocket;
  readonly messages: any[];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Resolves with the first (already received or future) message matching the predicate. */
  next(predicate: (message: any) => boolean, timeoutMs?: number): Promise<any>;
}

export async function openRawSocket(graphqlUrl: string): Promise<RawSocket> {
  const socket = new WebSocket(graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    try {
      messages.push(JSON.parse(String(data)));
    } catch {
      messages.push(String(data));
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  socket.on('error', () => {}); // the close event reports what happened
  await once(socket, 'open');
  return {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms: ${JSON.stringify(messages)}`)), timeoutMs);
        const check = () => {
          const found = messages.find(predicate);
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          } else {
            waiters.push(check);
          }
        };
        check();
      }),
  };
}

/** Opens a raw socket and completes the graphql-ws handshake with the given connection params. */
export async function openAckedSocket(graphqlUrl: string, payload?: Record<string, unknown>): Promise<RawSocket> {
  const raw = await openRawSocket(graphqlUrl);
  raw.send(payload ? { type: 'connection_init', payload } : { type: 'connection_init' });
  await raw.next((message) => message?.type === 'connection_ack');
  return raw;
}

/** Tracks how many requests a fake upstream handler is serving at once. */
export class ConcurrencyTracker {
  current = 0;
  max = 0;
  finished = 0;

  /** Wraps a delayed answer so that the delay counts as "in flight". */
  async around<T>(delayMs: number, answer: () => T): Promise<T> {
    this.current++;
    this.max = Math.max(this.max, this.current);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answer();
    } finally {
      this.current--;
      this.finished++;
    }
  }
}
