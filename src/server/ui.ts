/**
 * The browser UI, served by the gateway itself from files built at install time
 * (scripts/build-ui.mjs → web/dist): nothing is loaded from the internet.
 *
 * - `GET /graphql` from a browser (Accept prefers text/html, no `query` parameter): GraphiQL.
 *   Everything else on /graphql (POST, GET with `query=`, JSON clients, WebSocket) is untouched.
 * - `GET /executions/<global id>`: a live progress page for one execution.
 * - `GET /ui/assets/<file>`: the bundles (content-hashed names, cached for a year, gzip when
 *   the client accepts it).
 *
 * `GRAPHIQL_ENABLED=false` turns all of it off; browsers asking `/graphql` for HTML then get a
 * 404 instead of any page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler, type Response } from 'express';

export interface UiOptions {
  readonly enabled: boolean;
  /** Where the GraphQL endpoint is mounted (HTTP and WebSocket). */
  readonly graphqlPath?: string;
  /** The build output (web/dist); overridable for tests. */
  readonly distDir?: string;
}

interface Manifest {
  readonly pages: Readonly<Record<string, { readonly js: string; readonly css?: string }>>;
  readonly workers: Readonly<Record<string, string>>;
}

const ASSETS_PATH = '/ui/assets';
const DEFAULT_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const ASSET_NAME = /^\/[\w.-]+\.(?:js|css|ttf|woff2?|svg|png)$/;

export function mountUi(app: express.Express, options: UiOptions): void {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  if (!options.enabled) {
    app.get(graphqlPath, (req, res, next) => {
      if (!wantsHtml(req)) return next();
      res.status(404).type('text/plain').send('GraphiQL is disabled on this gateway (GRAPHIQL_ENABLED=false).\n');
    });
    return;
  }
  const dist = options.distDir ?? DEFAULT_DIST;
  const assetsDir = `${dist.replace(/\/+$/, '')}/assets`;
  // Read on every page view (a few hundred bytes): a rebuild is picked up without a restart.
  const manifest = (): Manifest | null => {
    try {
      return JSON.parse(readFileSync(`${dist.replace(/\/+$/, '')}/manifest.json`, 'utf8')) as Manifest;
    } catch {
      return null;
    }
  };

  app.get(graphqlPath, (req, res, next) => {
    if (!wantsHtml(req)) return next();
    const built = manifest();
    const page = built?.pages.graphiql;
    if (!built || !page) return notBuilt(res);
    const workers = Object.fromEntries(Object.entries(built.workers).map(([name, file]) => [name.replace(/\.worker$/, ''), `${ASSETS_PATH}/${file}`]));
    sendPage(req, res, { title: 'GraphiQL · execution-gateway', page, rootId: 'graphiql', config: { graphqlPath, workers } });
  });

  app.get('/executions/:id', (req, res) => {
    const page = manifest()?.pages.progress;
    if (!page) return notBuilt(res);
    const id = String(req.params.id);
    sendPage(req, res, { title: `Execution ${id} · execution-gateway`, page, rootId: 'app', config: { graphqlPath, executionId: id }, wrapInMain: true });
  });

  app.use(ASSETS_PATH, precompressed(assetsDir), express.static(assetsDir, { immutable: true, maxAge: '365d', index: false }), (_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('No such asset.\n');
  });
}

/** A browser navigation: HTML preferred over JSON, and not a GraphQL GET (`?query=`). */
function wantsHtml(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (typeof req.query === 'object' && req.query !== null && 'query' in req.query) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/** Serves `<file>.gz` (written by the build next to each large bundle) to clients that accept gzip. */
const precompressed =
  (assetsDir: string): RequestHandler =>
  (req, res, next) => {
    if (!ASSET_NAME.test(req.path) || !req.acceptsEncodings('gzip')) return next();
    const gz = `${assetsDir}${req.path}.gz`;
    if (!existsSync(gz)) return next();
    res.type(req.path.endsWith('.css') ? 'text/css' : 'text/javascript');
    res.sendFile(gz, { immutable: true, maxAge: '365d', headers: { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } }, (error) => {
      if (error && !res.headersSent) next();
    });
  };

function notBuilt(res: Response): void {
  res
    .status(503)
    .type('text/plain')
    .send('The browser UI is not built: run `npm run ui:build` (npm ci runs it, unless devDependencies were omitted).\n');
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);

/** JSON inside `<script type="application/json">`: `<` escaped so no value can close the tag. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function sendPage(
  req: Request,
  res: Response,
  options: { title: string; page: { js: string; css?: string }; rootId: string; config: Record<string, unknown>; wrapInMain?: boolean },
): void {
  const { page } = options;
  // 'self' covers same-origin WebSockets in current browsers; the explicit ws(s) origin helps older ones.
  const host = /^[\w.-]+(?::\d+)?$|^\[[\da-f:.]+\](?::\d+)?$/i.test(req.headers.host ?? '') ? req.headers.host : undefined;
  // Everything from this origin only; `unsafe-inline` styles because Monaco and React set style attributes.
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${host ? ` ws://${host} wss://${host}` : ''}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const root = `<div id="${options.rootId}"><div class="ui-loading">Loading…</div></div>`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="icon" href="data:,">
${page.css ? `<link rel="stylesheet" href="${ASSETS_PATH}/${page.css}">` : ''}
<script id="ui-config" type="application/json">${scriptJson(options.config)}</script>
<script type="module" src="${ASSETS_PATH}/${page.js}"></script>
</head>
<body>
${options.wrapInMain ? `<main id="${options.rootId}"><p>Loading…</p></main>` : root}
<noscript>This page needs JavaScript.</noscript>
</body>
</html>
`;
  res
    .status(200)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    })
    .send(html);
}
