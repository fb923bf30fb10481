/**
 * Graceful HTTP shutdown: stop accepting, end the long-lived streams (WebSocket, SSE), let
 * in-flight requests finish for up to `graceMs`, closing each keep-alive connection as soon as it
 * goes idle, then close whatever is left. `server.close()` alone would wait for idle keep-alive
 * connections too, for as long as their clients keep them.
 */
import type { Server } from 'node:http';

/** How often idle connections are looked for while draining: only during shutdown. */
const IDLE_CHECK_MS = 50;

export async function drainHttpServer(server: Server, { graceMs, closeStreams }: { graceMs: number; closeStreams: () => Promise<unknown> }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await closeStreams();
  const idle = setInterval(() => server.closeIdleConnections(), IDLE_CHECK_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  server.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}
