/**
 * GraphiQL in a real browser (Debian's Chromium via playwright-core): served by the gateway from
 * the local bundle, it runs a query over HTTP and a subscription over graphql-ws, and its docs
 * explorer and history work. Nothing is requested from outside the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/gateway.js';
import { startTestGateway } from '../support/gateway.js';
import { ensureUiBuilt, HAS_CHROMIUM, launchChromium, screenshot, watchPage, type PageWatch } from './browser.js';
import { polosState, Timelines } from './timelines.js';
import { uuid } from '../support/payloads.js';

describe.skipIf(!HAS_CHROMIUM)('GraphiQL in Chromium', () => {
  const timelines = new Timelines();
  let gateway: Gateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    ensureUiBuilt();
    gateway = await startTestGateway({ polos: (await timelines.start()).polos }, { POLL_INTERVAL_MS: '25', POLL_MAX_INTERVAL_MS: '50' });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // The query editor is Monaco: pasting sets its text exactly (typing would auto-close brackets).
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    page = await context.newPage();
    page.setDefaultTimeout(10_000); // fail with Playwright's message before vitest's 20 s
    watch = watchPage(page, new URL(gateway.url).origin);
    await page.goto(gateway.url);
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 15_000 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await timelines.close();
  });

  /**
   * Replaces the query editor's text with a named operation and runs it, once GraphiQL has parsed
   * it (the tab takes the operation's name): clicking earlier could run the previous document.
   */
  async function run(operation: string, query: string): Promise<void> {
    await page.locator('.graphiql-query-editor .monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(query)})`);
    await page.keyboard.press('ControlOrMeta+V');
    await page.locator('.graphiql-tab', { hasText: operation }).waitFor();
    await page.locator('.graphiql-execute-button').click();
  }

  const response = () => page.locator('.graphiql-response');
  /** Monaco renders spaces as non-breaking spaces. */
  const responseText = async () => (await response().innerText()).replace(/\u00a0/g, ' ');

  it('opens on GET /graphql with its default query, from local assets only', async () => {
    await expect(page.title()).resolves.toContain('GraphiQL');
    await page.locator('.graphiql-query-editor .view-lines', { hasText: 'statusReason' }).waitFor();
    await screenshot(page, 'graphiql-default');
    expect(watch.foreign).toEqual([]);
  });

  it('runs a query over HTTP and shows the result', async () => {
    const id = `polos:${uuid(1)}`;
    timelines.script(id, [polosState(uuid(1), 'completed', { result: { answer: 42 } })]);
    await run('OneExecution', `query OneExecution { execution(id: "${id}") { id provider status output } }`);
    await response().filter({ hasText: '"status": "COMPLETED"' }).waitFor();
    const text = await responseText();
    expect(text).toContain('"provider": "POLOS"');
    expect(text).toContain('"answer": 42');
    await screenshot(page, 'graphiql-query');
  });

  it('runs a subscription over graphql-ws until the terminal event', async () => {
    const id = `polos:${uuid(2)}`;
    timelines.set(id, polosState(uuid(2), 'running'));
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await run('FollowExecution', `subscription FollowExecution { executionUpdated(id: "${id}") { status terminal output } }`);
    await response().filter({ hasText: '"status": "RUNNING"' }).waitFor();
    timelines.set(id, polosState(uuid(2), 'completed', { result: 'done' }));
    await response().filter({ hasText: '"status": "COMPLETED"' }).waitFor();
    expect(await responseText()).toContain('"output": "done"');
    expect(sockets).toEqual([gateway.url.replace(/^http/, 'ws')]);
    await screenshot(page, 'graphiql-subscription');
  });

  it('has a working docs explorer (introspection) and history', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Subscription', { exact: false }).first().waitFor();
    await docs.getByRole('link', { name: 'Query', exact: true }).click();
    await docs.getByText('executionsConnection').first().waitFor();
    await screenshot(page, 'graphiql-docs');

    await page.getByRole('button', { name: 'Show History' }).click();
    const history = page.locator('.graphiql-history-items li');
    await history.first().waitFor();
    expect(await history.count()).toBeGreaterThanOrEqual(2); // the query and the subscription
    expect(watch.errors).toEqual([]);
    expect(watch.foreign).toEqual([]);
  });
});
