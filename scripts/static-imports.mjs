#!/usr/bin/env node
// @ts-check
/**
 * The files an entry point loads at start-up: everything reachable through static imports, and
 * nothing that only an `import()` reaches. esbuild bundles the entry with code splitting, which
 * puts dynamically imported modules in chunks of their own; following only the static edges
 * between chunks gives the start-up set. Packages stay external (only this project's files count).
 *
 * Used to keep src/demo/ out of the production path: scripts/smoke-dist.mjs checks dist/main.js,
 * test/main.test.ts checks src/main.ts. As a command: `node scripts/static-imports.mjs <entry>`
 * prints the files, one a line.
 */
import { build } from 'esbuild';

/** @param {string} entry @returns {Promise<string[]>} paths relative to the working directory */
export async function staticImports(entry) {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: 'static-imports.out', // nothing is written
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = metafile.outputs;
  const start = Object.keys(outputs).find((output) => outputs[output]?.entryPoint !== undefined);
  /** @type {Set<string>} */
  const chunks = new Set();
  /** @param {string | undefined} output */
  const visit = (output) => {
    const meta = output === undefined ? undefined : outputs[output];
    if (output === undefined || meta === undefined || chunks.has(output)) return;
    chunks.add(output);
    for (const edge of meta.imports) if (edge.kind === 'import-statement') visit(edge.path);
  };
  visit(start);
  return [...new Set([...chunks].flatMap((chunk) => Object.keys(outputs[chunk]?.inputs ?? {})))].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const entry = process.argv[2];
  if (!entry) throw new Error('usage: node scripts/static-imports.mjs <entry>');
  process.stdout.write(`${(await staticImports(entry)).join('\n')}\n`);
}
