/**
 * The execution progress page (`/executions/<global id>`) in a real browser, against scripted fake
 * upstreams polled every few milliseconds: it follows an execution live to its terminal state,
 * lists PromptLayer nodes as they change, and explains a bad or unknown id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/gateway.js';
import { startTestGateway } from '../support/gateway.js';
import { ensureUiBuilt, HAS_CHROMIUM, launchChromium, screenshot, watchPage, type PageWatch } from './browser.js';
import { polosState, promptLayerState, Timelines, type NodeStatus } from './timelines.js';
import { uuid } from '../support/payloads.js';

describe.skipIf(!HAS_CHROMIUM)('execution progress page in Chromium', () => {
  const timelines = new Timelines();
  let gateway: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    ensureUiBuilt();
    gateway = await startTestGateway(await timelines.start(), { POLL_INTERVAL_MS: '25', POLL_MAX_INTERVAL_MS: '50' });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await timelines.close();
  });

  const pageUrl = (id: string) => `${new URL(gateway.url).origin}/executions/${encodeURIComponent(id)}`;

  async function open(id: string): Promise<{ page: Page; watch: PageWatch }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    page.setDefaultTimeout(10_000); // fail with Playwright's message before vitest's 20 s
    const watch = watchPage(page, new URL(gateway.url).origin);
    await page.goto(pageUrl(id));
    return { page, watch };
  }

  const status = (page: Page, value: string) => page.locator(`[data-testid="status"][data-status="${value}"]`).waitFor();

  it('follows a Polos execution live to COMPLETED and shows its output', async () => {
    const id = `polos:${uuid(10)}`;
    timelines.set(id, polosState(uuid(10), 'queued'));
    const { page, watch } = await open(id);
    await status(page, 'QUEUED');
    timelines.set(id, polosState(uuid(10), 'running'));
    await status(page, 'RUNNING');
    timelines.set(id, polosState(uuid(10), 'completed', { result: { report: 'q3.pdf', pages: 12 }, completed_at: '2026-03-17T14:35:09Z' }));
    await status(page, 'COMPLETED');

    await page.locator('[data-testid="output"]', { hasText: 'q3.pdf' }).waitFor();
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.getByTestId('connection').innerText()).toContain('Finished');
    expect(await page.title()).toBe(`COMPLETED · ${id}`);
    await screenshot(page, 'progress-polos-completed');
    expect(watch.errors).toEqual([]);
    expect(watch.foreign).toEqual([]);
    await page.close();
  });

  it('updates PromptLayer nodes and the progress bar as they change', async () => {
    const id = 'promptlayer:9007199254740993'; // above 2^53: must reach the upstream exactly
    const nodes = (a: NodeStatus, b: NodeStatus, c: NodeStatus) => ({ 'Retrieve context': a, 'Draft answer': b, 'Final answer': c });
    const bar = (text: string) => page.locator(`[role="progressbar"][aria-valuetext="${text}"]`).waitFor();
    timelines.set(id, promptLayerState(nodes('QUEUED', 'QUEUED', 'QUEUED')));
    const { page } = await open(id);
    await status(page, 'QUEUED');
    await bar('0 of 3');
    timelines.set(id, promptLayerState(nodes('SUCCESS', 'RUNNING', 'QUEUED')));
    await status(page, 'RUNNING');
    await bar('1 of 3');
    expect(await page.getByTestId('item').count()).toBe(3);
    await screenshot(page, 'progress-promptlayer-running');
    timelines.set(id, promptLayerState(nodes('SUCCESS', 'SUCCESS', 'RUNNING')));
    await bar('2 of 3');

    timelines.set(id, promptLayerState(nodes('SUCCESS', 'SUCCESS', 'SUCCESS'), 'Yes, it can be returned.'));
    await status(page, 'COMPLETED');
    await bar('3 of 3');
    const items = await page.getByTestId('item').allInnerTexts();
    expect(items.map((text) => text.split('\n')[0])).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    await page.locator('[data-testid="output"]', { hasText: 'Yes, it can be returned.' }).waitFor();
    expect(timelines.promptlayer!.requests.every((request) => request.query.get('workflow_version_execution_id') === '9007199254740993')).toBe(true);
    await screenshot(page, 'progress-promptlayer-completed');
    await page.close();
  });

  it('shows a failed execution with its error', async () => {
    const id = `polos:${uuid(11)}`;
    timelines.set(id, polosState(uuid(11), 'running'));
    const { page } = await open(id);
    await status(page, 'RUNNING');
    timelines.set(id, polosState(uuid(11), 'failed', { error: 'PaymentGatewayError: 503 Service Unavailable', retry_count: 2 }));
    await status(page, 'FAILED');
    await page.locator('[data-testid="error"]', { hasText: 'PaymentGatewayError' }).waitFor();
    await screenshot(page, 'progress-polos-failed');
    await page.close();
  });

  it('explains a malformed id (BAD_USER_INPUT)', async () => {
    const { page, watch } = await open('polos:not-a-uuid');
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Not a valid execution id[\s\S]*polos:not-a-uuid[\s\S]*Code: BAD_USER_INPUT/);
    await screenshot(page, 'progress-bad-id');
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it('explains an unknown execution (NOT_FOUND)', async () => {
    const { page } = await open(`polos:${uuid(404)}`);
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Execution not found[\s\S]*Code: NOT_FOUND/);
    await screenshot(page, 'progress-not-found');
    await page.close();
  });
});
