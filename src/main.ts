/**
 * `npm start`: the gateway on PORT, against the configured upstreams, or against embedded demo
 * upstreams when none is configured (outside production) or DEMO=1 asks for them, so that a
 * fresh clone has something to query. The demo is imported only then: production never loads it.
 */
import { ConfigError, loadConfig, wantsDemo } from './config.js';
import type { DemoUpstreams } from './demo/upstreams.js';
import { toProviderEnum } from './domain/ids.js';
import { releaseAll, StartupError } from './lifecycle.js';
import { createLogger, flushLogs, stdoutDestination } from './logger.js';
import { startGateway, type Gateway } from './server/gateway.js';

async function main(): Promise<void> {
  const demo = wantsDemo() ? await startDemo() : null;
  try {
    const config = loadConfig({ ...process.env, ...demo?.env, ...(demo ? demoCallbackUrl(process.env) : {}) });
    const logger = createLogger(config.logLevel, stdoutDestination(config.logBufferBytes));
    const gateway = await startGateway(config, { logger });
    stopOnSignals(gateway, demo, logger); // before the banner: a SIGTERM right after "ready" still shuts down gracefully
    printBanner(gateway, demo, config.graphiqlEnabled);
  } catch (error) {
    await demo?.close();
    throw error;
  }
}

async function startDemo(): Promise<DemoUpstreams> {
  const { startDemoUpstreams } = await import('./demo/upstreams.js');
  return startDemoUpstreams();
}

/**
 * The demo PromptLayer calls back this gateway, so that a run started on the demo shows its end at
 * once: GATEWAY_PUBLIC_URL is the local address unless it is set (not with PORT=0, whose port is
 * known only once listening: the demo then polls, as without push).
 */
function demoCallbackUrl(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.GATEWAY_PUBLIC_URL || env.PORT === '0') return {};
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return { GATEWAY_PUBLIC_URL: `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT ?? '4000'}` };
}

function printBanner(gateway: Gateway, demo: DemoUpstreams | null, browserUi: boolean): void {
  const lines = [`\nexecution-gateway ready: ${gateway.url}${browserUi ? ' (open it in a browser for GraphiQL)' : ''}`];
  if (demo) lines.push(...demoGuide(gateway.url, demo));
  if (demo && browserUi) lines.push(...followGuide(gateway.url, demo));
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/** The two ways to watch a run without writing a client: the progress page and the terminal watcher. */
function followGuide(url: string, demo: DemoUpstreams): string[] {
  const [example] = demo.examples;
  if (!example) return [];
  return [
    'Follow one live:',
    `  in a browser:  ${new URL(`/executions/${example.id}`, url).href}`,
    `  in a terminal: npx execution-gateway watch ${example.id} --url ${url}`,
  ];
}

/** What a new user can paste at once: the demo ids, one query, and one start mutation. */
function demoGuide(url: string, demo: DemoUpstreams): string[] {
  const curl = (query: string) => [`  curl -s ${url} -H 'content-type: application/json' \\`, `    -d '${JSON.stringify({ query })}'`];
  const lines = ['Serving the embedded demo upstreams (DEMO=1, or no upstream configured outside production). Demo executions:'];
  for (const example of demo.examples) lines.push(`  ${example.id.padEnd(52)} ${example.description}`);
  lines.push('Workflows you can start:');
  for (const workflow of demo.workflows) lines.push(`  ${`${workflow.provider} ${workflow.workflowId}`.padEnd(52)} ${workflow.description}`);
  const [example] = demo.examples;
  if (example) {
    lines.push('Query one:', ...curl(`{ execution(id: "${example.id}") { id status progress { completed total } output error { message } } }`));
  }
  const [workflow] = demo.workflows;
  if (workflow) {
    const input = JSON.stringify(workflow.input).replace(/"(\w+)":/g, '$1:');
    const mutation = `mutation { startExecution(input: { provider: ${toProviderEnum(workflow.provider)}, workflowId: "${workflow.workflowId}", input: ${input} }) { idempotencyKey execution { id status } } }`;
    lines.push('Start one (then watch it with `subscription { executionUpdated(id: "…") { status progress { completed total } } }`):', ...curl(mutation));
  }
  return lines;
}

function stopOnSignals(gateway: Gateway, demo: DemoUpstreams | null, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await releaseAll([
        { name: 'gateway', release: () => gateway.close() },
        { name: 'demo upstreams', release: () => demo?.close() },
      ]);
      logger.info('stopped');
      await flushLogs(logger);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'stopped, but not everything was released');
      await flushLogs(logger);
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`execution-gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});
