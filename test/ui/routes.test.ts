/**
 * The UI's HTTP surface, without a browser: content negotiation on GET /graphql (HTML for
 * browsers, Apollo for GraphQL clients), the progress page route, the assets, and
 * GRAPHIQL_ENABLED=false.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { httpRequest, originOf } from '../support/server-helpers.js';
import { ensureUiBuilt } from './browser.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** The asset URLs a served page references. */
const assetsOf = (html: string): string[] => [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((match) => match[1]!);

describe('browser UI routes', () => {
  let gateway: Gateway;
  let disabled: Gateway;

  beforeAll(async () => {
    ensureUiBuilt();
    // No upstream is needed for these: a provider that is never called.
    gateway = await startTestGateway({ polos: 'http://127.0.0.1:9' });
    disabled = await startTestGateway({ polos: 'http://127.0.0.1:9' }, { GRAPHIQL_ENABLED: 'false' });
  });

  afterAll(async () => {
    await gateway?.close();
    await disabled?.close();
  });

  it('serves GraphiQL to a browser on GET /graphql, with a same-origin CSP and local assets', async () => {
    const response = await httpRequest(gateway.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.text).toContain('<div id="graphiql">');
    expect(response.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN
    const assets = assetsOf(response.text);
    expect(assets).toEqual([expect.stringMatching(/^\/ui\/assets\/graphiql-\w+\.css$/), expect.stringMatching(/^\/ui\/assets\/graphiql-\w+\.js$/)]);
    const config = JSON.parse(/<script id="ui-config" type="application\/json">(.*?)<\/script>/.exec(response.text)![1]!);
    expect(Object.keys(config.workers).sort()).toEqual(['editor', 'graphql', 'json']);

    for (const asset of [...assets, ...Object.values<string>(config.workers)]) {
      const served = await httpRequest(`${originOf(gateway.url)}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(served.status, asset).toBe(200);
      expect(served.headers['cache-control']).toContain('immutable');
    }
    const js = await httpRequest(`${originOf(gateway.url)}${assets[1]}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('leaves GraphQL clients to Apollo: JSON GETs, GET queries, POSTs', async () => {
    const getQuery = await httpRequest(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(getQuery.json).toEqual({ data: { __typename: 'Query' } });

    const jsonGet = await httpRequest(gateway.url, { headers: { accept: 'application/json' } });
    expect(jsonGet.headers['content-type']).toMatch(/json/);
    const anyGet = await httpRequest(gateway.url, { headers: { accept: '*/*' } });
    expect(anyGet.headers['content-type']).toMatch(/json/);

    expect((await graphql(gateway.url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('serves the progress page for any id, which the page itself looks up', async () => {
    const id = 'polos:</script><script>alert(1)</script>';
    const response = await httpRequest(`${originOf(gateway.url)}/executions/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    expect(response.text).toContain('<main id="app">');
    expect(response.text).not.toContain('<script>alert(1)');
    const config = JSON.parse(/<script id="ui-config" type="application\/json">(.*?)<\/script>/.exec(response.text)![1]!);
    expect(config).toEqual({ graphqlPath: '/graphql', executionId: id });
    expect(assetsOf(response.text)).toEqual([expect.stringMatching(/progress-\w+\.css$/), expect.stringMatching(/progress-\w+\.js$/)]);
  });

  it('answers 404 for unknown assets', async () => {
    for (const path of ['nope.js', '..%2F..%2Fpackage.json', '..%2Fmanifest.json', '']) {
      const response = await httpRequest(`${originOf(gateway.url)}/ui/assets/${path}`);
      expect(response.status, path).toBe(404);
      expect(response.text).toBe('No such asset.\n');
    }
  });

  it('GRAPHIQL_ENABLED=false turns the UI off and leaves the API as it is', async () => {
    const page = await httpRequest(disabled.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(404);
    expect(page.text).toContain('GRAPHIQL_ENABLED=false');
    expect((await httpRequest(`${originOf(disabled.url)}/executions/polos:x`)).status).toBe(404);
    expect((await httpRequest(`${originOf(disabled.url)}/ui/assets/nope.js`)).status).toBe(404);
    expect((await graphql(disabled.url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});
