/**
 * Where the memory goes: compares two V8 heap snapshots (as `npm run bench:live` writes them with
 * BENCH_LIVE_HEAP_DIR, idle and subscribed) by what each object is, and prints what grew, largest
 * first, per subscriber.
 *
 *   npx tsx bench/heap.ts <before.heapsnapshot> <after.heapsnapshot> [subscribers] [rows]
 *
 * Objects are grouped by their V8 node type and name (a constructor for objects, the function's
 * name for closures, "(string)" for strings, …); sizes are self sizes (shallow), so a group says
 * what holds the bytes, not who keeps it alive. Snapshots of 10,000 subscribers are a few hundred
 * MB: run it with `node --max-old-space-size=8192 --import tsx bench/heap.ts …` if it runs short.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

/** Counts and shallow sizes per "type name" over a whole snapshot. */
function groups(path: string): Map<string, Group> {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const typeNames = snapshot.meta.node_types[0];
  const result = new Map<string, Group>();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = typeNames[nodes[i + typeAt]!]!;
    // Strings and numbers would each be a group of one by their value: group them by type alone.
    const name = type === 'object' || type === 'closure' || type === 'native' ? strings[nodes[i + nameAt]!]! : '';
    const key = `${type} ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
    const group = result.get(key);
    const size = nodes[i + sizeAt]!;
    if (group) {
      group.count++;
      group.bytes += size;
    } else result.set(key, { count: 1, bytes: size });
  }
  return result;
}

function main(): void {
  const [beforePath, afterPath, subscribersArg, rowsArg] = process.argv.slice(2);
  if (!beforePath || !afterPath) {
    process.stderr.write('usage: npx tsx bench/heap.ts <before.heapsnapshot> <after.heapsnapshot> [subscribers] [rows]\n');
    process.exit(2);
  }
  const per = Number(subscribersArg ?? 1);
  const before = groups(beforePath);
  const after = groups(afterPath);
  const grown = [...after].map(([key, group]) => {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: group.count - was.count, bytes: group.bytes - was.bytes };
  });
  grown.sort((a, b) => b.bytes - a.bytes);
  const total = grown.reduce((sum, row) => sum + row.bytes, 0);
  process.stdout.write(`grown in all: ${(total / 1024 / per).toFixed(2)} KiB per ${per === 1 ? 'snapshot' : 'subscriber'} (${(total / 2 ** 20).toFixed(1)} MiB)\n\n`);
  process.stdout.write(`${'bytes/sub'.padStart(10)} ${'objs/sub'.padStart(9)}  what\n`);
  for (const row of grown.slice(0, Number(rowsArg ?? 40))) {
    process.stdout.write(`${(row.bytes / per).toFixed(0).padStart(10)} ${(row.count / per).toFixed(2).padStart(9)}  ${row.key}\n`);
  }
}

main();
