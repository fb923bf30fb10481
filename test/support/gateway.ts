/** Starts a real gateway on port 0 for a test, and talks GraphQL to it over HTTP. */
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Config } from '../../src/config.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/server/gateway.js';
import { differentialExecutor } from './differential.js';

export const TEST_KEYS = {
  flowker: 'flowker-secret-key-123',
  promptlayer: 'promptlayer-secret-key-456',
  polos: 'sk_polos-secret-key-789',
  polosProject: '11111111-2222-4333-8444-555555555555',
} as const;

export interface TestUpstreams {
  readonly flowker?: string;
  readonly promptlayer?: string;
  readonly polos?: string;
}

/** Env for the given fake upstream base URLs, with small timeouts so failure tests stay quick. */
export function testEnv(upstreams: TestUpstreams, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    UPSTREAM_ATTEMPT_TIMEOUT_MS: '500',
    UPSTREAM_DEADLINE_MS: '1500',
    UPSTREAM_BACKOFF_BASE_MS: '10',
    UPSTREAM_BACKOFF_MAX_MS: '50',
    // Tests share one gateway across failure cases; breaker behaviour has tests of its own.
    UPSTREAM_BREAKER_THRESHOLD: '1000',
    ...(upstreams.flowker ? { FLOWKER_BASE_URL: upstreams.flowker, FLOWKER_API_KEY: TEST_KEYS.flowker } : {}),
    ...(upstreams.promptlayer ? { PROMPTLAYER_BASE_URL: upstreams.promptlayer, PROMPTLAYER_API_KEY: TEST_KEYS.promptlayer } : {}),
    ...(upstreams.polos
      ? { POLOS_BASE_URL: upstreams.polos, POLOS_API_KEY: TEST_KEYS.polos, POLOS_PROJECT_ID: TEST_KEYS.polosProject }
      : {}),
    ...extra,
  };
}

export async function startTestGateway(upstreams: TestUpstreams, extra: Record<string, string> = {}): Promise<Gateway> {
  return startGatewayForTest(loadConfig(testEnv(upstreams, extra)));
}

/** startGateway, executing every query and mutation on both executors (test/support/differential.ts). */
export function startGatewayForTest(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  return startGateway(config, { logger: createLogger('silent'), executor: differentialExecutor, ...options });
}

export interface GraphQLResponse<Data = Record<string, unknown>> {
  readonly status: number;
  readonly data?: Data | null;
  readonly errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export async function graphql<Data = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, ...(JSON.parse(text) as object) };
}
