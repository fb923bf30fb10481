/**
 * Child process: the "proxy" baseline, the least a server can do for a client request that
 * needs upstream data: bare node:http, the request's JSON body (`{ calls: [{ provider, n }] }`,
 * the same logical request the workload sends the gateway as GraphQL), the upstream GETs in
 * parallel over undici keep-alive pools as large as the gateway's (DirectClient, bench/direct.ts),
 * `JSON.parse` of each upstream body, and `JSON.stringify` of them all back. No GraphQL, no
 * validation, no limits, logs or metrics: the floor the gateway's CPU per request is compared to.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DirectClient } from './direct.js';
import { serveRpc, usage } from './ipc.js';
import type { Provider, UpstreamCall } from './shared.js';

const env = process.env;
const urls: Record<Provider, string> = { flowker: env.FLOWKER_BASE_URL!, promptlayer: env.PROMPTLAYER_BASE_URL!, polos: env.POLOS_BASE_URL! };
const client = new DirectClient(urls, Number(env.UPSTREAM_MAX_CONNECTIONS ?? 16));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const { calls } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { calls: UpstreamCall[] };
      const body = JSON.stringify({ data: await Promise.all(calls.map((call) => client.call(call))) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } catch (error) {
      const body = JSON.stringify({ errors: [{ message: String(error) }] });
      res.writeHead(502, { 'content-type': 'application/json' }).end(body);
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveRpc(
    {
      usage: () => usage(),
      stop: async () => {
        server.close();
        await client.close();
        process.exit(0);
      },
    },
    { url: `http://127.0.0.1:${port}/` },
  );
});
