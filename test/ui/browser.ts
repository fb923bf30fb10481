/**
 * Browser-test support: Debian's Chromium (/usr/bin/chromium, `scripts/ensure-chromium.sh`)
 * driven by playwright-core, which never downloads a browser. Tests `describe.skipIf(!HAS_CHROMIUM)`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  // CI (.ci/run) installs Chromium first and sets this: there, a missing browser is a failure,
  // never a quietly skipped suite. A developer's `npm test` without Chromium skips, and says so.
  if (process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`${CHROMIUM} is missing and REQUIRE_BROWSER_TESTS=1: run scripts/ensure-chromium.sh.`);
  process.stderr.write(`test/ui: skipping browser tests: ${CHROMIUM} is missing (install it with scripts/ensure-chromium.sh).\n`);
}

/** Screenshots go here (gitignored); CI can keep them as artifacts. */
export const ARTIFACTS = new URL('../../test-artifacts/ui/', import.meta.url);

/** Builds web/dist if it is stale (normally `pretest` already did; then this takes ~0.1 s). */
export function ensureUiBuilt(): void {
  execFileSync(process.execPath, [new URL('../../scripts/build-ui.mjs', import.meta.url).pathname], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'],
  });
}

export interface PageWatch {
  /** Console errors, uncaught exceptions and CSP violations. */
  readonly errors: string[];
  /** Requests to anything but the gateway's origin: the UI must not touch the internet. */
  readonly foreign: string[];
}

/** Records what a page does wrong while the test drives it. */
export function watchPage(page: Page, origin: string): PageWatch {
  const watch: PageWatch = { errors: [], foreign: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace(/^http/, 'ws')) && !/^(data|blob|about):/.test(url)) watch.foreign.push(url);
  });
  return watch;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = new URL(`${name}.png`, ARTIFACTS).pathname;
  await page.screenshot({ path, fullPage: true });
  return path;
}
