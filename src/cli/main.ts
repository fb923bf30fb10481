/**
 * The `execution-gateway` command (package.json `bin` → src/cli/bin.mjs → here).
 *
 *   execution-gateway watch <global id> [--url http://localhost:4000/graphql] [--key <api key>] [--plain | --tty]
 *   npm run watch -- <global id> [--url …]
 */
import { parseArgs } from 'node:util';
import { EXIT, watchExecution } from './watch.js';

const USAGE = `Usage: execution-gateway watch <global id> [options]

Follows one execution live (the gateway's executionUpdated subscription) and exits when it ends:
0 COMPLETED, 1 FAILED or CANCELLED, 2 on errors (bad or unknown id, unreachable gateway).

Options:
  --url <url>   the gateway's GraphQL endpoint (default: $GATEWAY_URL or http://localhost:4000/graphql)
  --key <key>   gateway API key, when the gateway requires one (default: $GATEWAY_API_KEY)
  --plain       one line per change, even on a terminal (the default when stdout is not a TTY)
  --tty         redraw in place, even when stdout is not a TTY
  -h, --help    this text

Example:
  execution-gateway watch polos:3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f --url http://localhost:4000/graphql
`;

async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        plain: { type: 'boolean', default: false },
        tty: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT.error;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, id, ...extra] = positionals;
  if (command !== 'watch' || !id || extra.length > 0) {
    process.stderr.write(command && command !== 'watch' ? `Unknown command: ${command}\n\n${USAGE}` : USAGE);
    return EXIT.error;
  }
  const url = values.url ?? env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
  const apiKey = values.key ?? env.GATEWAY_API_KEY;
  const tty = values.tty || (!values.plain && Boolean(process.stdout.isTTY));
  const color = tty && !env.NO_COLOR && env.TERM !== 'dumb';
  try {
    return await watchExecution({
      id,
      url,
      ...(apiKey ? { apiKey } : {}),
      out: process.stdout,
      err: process.stderr,
      tty,
      color,
      columns: process.stdout.columns || 100, // 0 on a pseudo-terminal without a size
    });
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.error;
  }
}

/** Exits once stdout has been flushed (a pipe may still hold the last lines). */
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stdout.write('\n');
  exit(130);
});

run(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exit(EXIT.error);
});
