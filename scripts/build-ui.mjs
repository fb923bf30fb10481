#!/usr/bin/env node
// @ts-check
/**
 * Bundles the browser UI (web/) with esbuild into web/dist/, which the gateway serves under
 * /ui/assets/: GraphiQL (React, Monaco and its three web workers, CSS) and the execution progress
 * page. Everything comes from node_modules: the pages load nothing from the internet.
 *
 *   node scripts/build-ui.mjs            build unless web/dist is up to date (npm's postinstall,
 *                                        prestart and pretest call this; ~0.1 s when up to date)
 *   node scripts/build-ui.mjs --force    rebuild
 *
 * "Up to date" means web/dist/manifest.json records the hash of every input: the sources under
 * web/ and those it imports from src/ (SHARED), this script, and the installed versions of the
 * bundled packages.
 *
 * Plain JavaScript on purpose: postinstall runs it before anything could compile TypeScript, and
 * an install without devDependencies (no esbuild) only prints a warning instead of failing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'web');
const OUT = join(WEB, 'dist');
const ASSETS = join(OUT, 'assets');
const MANIFEST = join(OUT, 'manifest.json');
/** Where the gateway serves web/dist/assets. */
const PUBLIC_PATH = '/ui/assets';

/**
 * What the pages import from src/: the progress model shared with the terminal watcher and the
 * typed documents codegen generates for it (it lives in src/ so that `tsc` compiles it for the CLI).
 */
const SHARED = ['src/clients', 'src/generated/clients'].map((dir) => join(ROOT, dir));

/** Packages whose code ends up in the bundles: a version change means a rebuild. */
const BUNDLED = ['esbuild', 'graphiql', '@graphiql/react', '@graphiql/toolkit', 'monaco-editor', 'monaco-graphql', 'react', 'react-dom', 'graphql', 'graphql-ws'];

/** Entry points: name → source. Workers are separate bundles (Monaco starts them by URL). */
const PAGES = { graphiql: 'web/graphiql/main.tsx', progress: 'web/progress/main.ts' };
const WORKERS = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

/**
 * @typedef {{ js: string; css?: string }} PageAssets
 * @typedef {{ inputHash: string; builtAt: string; pages: Record<string, PageAssets>; workers: Record<string, string> }} Manifest
 */

/** @param {string} dir @returns {string[]} */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['dist', 'node_modules', '.build-lock'].includes(entry.name) ? [] : filesUnder(path);
    return [path];
  });
}

function inputHash() {
  const hash = createHash('sha256');
  const require = createRequire(join(ROOT, 'package.json'));
  for (const file of [fileURLToPath(import.meta.url), ...[WEB, ...SHARED].flatMap(filesUnder).sort()]) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUNDLED) {
    let version = 'missing';
    try {
      version = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
    } catch {
      // a package without an exported package.json: find it on disk
      const path = join(ROOT, 'node_modules', name, 'package.json');
      if (existsSync(path)) version = JSON.parse(readFileSync(path, 'utf8')).version;
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** @returns {Manifest | null} */
export function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
}

/** @param {Manifest} manifest */
const assetsExist = (manifest) =>
  [...Object.values(manifest.pages).flatMap((page) => [page.js, page.css ?? page.js]), ...Object.values(manifest.workers)].every((file) =>
    existsSync(join(ASSETS, file)),
  );

/**
 * Builds web/dist unless it is up to date. Returns what it did.
 * @param {{ force?: boolean }} [options]
 * @returns {Promise<{ built: boolean; ms: number; manifest: Manifest }>}
 */
export async function buildUi(options = {}) {
  const release = await lock();
  try {
    return await buildUnlocked(options);
  } finally {
    release();
  }
}

/**
 * Concurrent builds (test files in parallel workers, `npm test` while `npm start`) take turns:
 * the second one then finds web/dist up to date. A lock older than a minute is a crashed build's.
 * @returns {Promise<() => void>}
 */
async function lock() {
  const path = join(WEB, '.build-lock');
  for (const deadline = Date.now() + 120_000; ; ) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`another UI build holds ${path}; remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** @param {{ force?: boolean }} options */
async function buildUnlocked(options) {
  const started = Date.now();
  const hash = inputHash();
  const current = readManifest();
  if (!options.force && current?.inputHash === hash && assetsExist(current)) {
    return { built: false, ms: Date.now() - started, manifest: current };
  }

  /** @type {typeof import('esbuild')} */
  const esbuild = await import('esbuild');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(ASSETS, { recursive: true });

  /** @type {import('esbuild').BuildOptions} */
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    sourcemap: false,
    target: ['es2022', 'chrome111', 'firefox114', 'safari16.4'],
    outdir: ASSETS,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    publicPath: PUBLIC_PATH,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    logOverride: { 'empty-import-meta': 'silent' },
  };
  const [pages, workers] = await Promise.all([
    esbuild.build({ ...common, entryPoints: PAGES, format: 'esm', jsx: 'automatic' }),
    // Classic (non-module) workers: `new Worker(url)` works in every browser.
    esbuild.build({ ...common, entryPoints: WORKERS, format: 'iife' }),
  ]);

  /** @type {Manifest} */
  const manifest = { inputHash: hash, builtAt: new Date().toISOString(), pages: {}, workers: {} };
  for (const [output, meta] of Object.entries(pages.metafile?.outputs ?? {})) {
    const entry = meta.entryPoint && Object.entries(PAGES).find(([, source]) => source === meta.entryPoint)?.[0];
    if (!entry) continue;
    manifest.pages[entry] = { js: basename(output), ...(meta.cssBundle ? { css: basename(meta.cssBundle) } : {}) };
  }
  for (const [output, meta] of Object.entries(workers.metafile?.outputs ?? {})) {
    const entry = meta.entryPoint && Object.entries(WORKERS).find(([, source]) => meta.entryPoint?.endsWith(source))?.[0];
    if (entry && output.endsWith('.js')) manifest.workers[entry] = basename(output);
  }
  const missing = [...Object.keys(PAGES).filter((name) => !manifest.pages[name]), ...Object.keys(WORKERS).filter((name) => !manifest.workers[name])];
  if (missing.length > 0) throw new Error(`UI build produced no output for: ${missing.join(', ')}`);
  // Precompressed copies the gateway sends to clients accepting gzip (GraphiQL is ~5 MB → ~1.3 MB).
  for (const file of readdirSync(ASSETS)) {
    const path = join(ASSETS, file);
    if (/\.(js|css)$/.test(file) && statSync(path).size > 8 * 1024) writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
  }
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return { built: true, ms: Date.now() - started, manifest };
}

/** @param {string} file */
const size = (file) => `${(statSync(join(ASSETS, file)).size / 1024).toFixed(0)} KiB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  try {
    await import('esbuild');
  } catch {
    process.stderr.write('build-ui: esbuild is not installed (devDependencies omitted?): skipping the UI build; GraphiQL and the progress page answer 503 until `npm run ui:build`.\n');
    process.exit(0);
  }
  try {
    const { built, ms, manifest } = await buildUi({ force });
    if (built) {
      const files = [...Object.values(manifest.pages).flatMap((page) => [page.js, ...(page.css ? [page.css] : [])]), ...Object.values(manifest.workers)];
      process.stdout.write(`build-ui: built web/dist in ${ms} ms: ${files.map((file) => `${file} (${size(file)})`).join(', ')}\n`);
    } else {
      process.stdout.write(`build-ui: web/dist is up to date (${manifest.inputHash})\n`);
    }
  } catch (error) {
    process.stderr.write(`build-ui: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
