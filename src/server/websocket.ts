/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and `/graphql` path: a
 * thin adapter from graphql-ws's hooks to the operation pipeline, which parses, validates,
 * limits, executes, masks, logs and counts exactly as it does for HTTP. What is the socket's own:
 * the gateway key at `connection_init` (else close 4403) and MAX_SUBSCRIPTIONS_PER_SOCKET. The
 * connection_init payload stands for the request headers (`traceparent` for tracing).
 *
 * The protocol is graphql-ws's transport-agnostic `makeServer`; the ws side is ours instead of
 * graphql-ws's `useServer` because at 10,000 sockets what each socket holds is the gateway's heap:
 * useServer keeps the upgrade request for the connection's life (`ctx.extra.request`, ≈ 1 KiB with
 * its headers), and per socket a ping interval, `once` wrappers and closures, and per subscription
 * a suspended async frame around graphql-ws's message handler. Here a socket costs one
 * `Connection` (methods on its prototype, ws listeners shared by every socket), and one timer
 * sends every socket's keep-alive pings. Otherwise it behaves as useServer: the subprotocol check,
 * close codes, pings, a failing handler closing only its socket (4500), `dispose` closing every
 * socket with 1001.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Server as ProtocolServer, type WebSocket as ProtocolSocket } from 'graphql-ws';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import type { KeyCheck } from './auth.js';
import { limitExceeded } from './limits.js';
import type { Operation, Pipeline, RequestHeaders } from './pipeline/index.js';

export interface WebSocketOptions {
  readonly schema: GraphQLSchema;
  readonly pipeline: Pipeline;
  readonly context: (facts: RequestFacts) => GatewayContext;
  readonly connectionInitWaitTimeoutMs: number;
  readonly keyCheck: KeyCheck;
  readonly maxSubscriptionsPerSocket: number;
  /** Frames larger than this close the socket (1009) before anything parses them. */
  readonly maxPayloadBytes: number;
  /** A socket is pinged this often, and closed if it has not answered the previous ping. */
  readonly keepAliveMs: number;
  readonly logger: Logger;
}

export interface WebSocketHandle {
  /** Closes every socket (1001 Going away) and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function attachWebSocketServer(httpServer: Server, options: WebSocketOptions): WebSocketHandle {
  const connections = new Connections(protocolServer(options), options);
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: options.maxPayloadBytes,
    handleProtocols,
    WebSocket: GatewaySocket,
    // Connections tracks the sockets: ws's own set would cost another 'close' closure per socket.
    clientTracking: false,
    perMessageDeflate: false, // a zlib context per socket: far more memory than the small frames save
  });
  wsServer.on('connection', (socket: GatewaySocket) => connections.open(socket));
  // ws re-emits the HTTP server's errors here; as with useServer, every socket is closed (4500).
  wsServer.on('error', (error) => {
    options.logger.error({ err: error }, 'WebSocket server error: closing every socket');
    void connections.closeAll(CloseCode.InternalServerError, INTERNAL_ERROR);
  });
  return {
    dispose: async () => {
      wsServer.close(); // stops accepting: ws unhooks itself from the HTTP server's upgrades
      connections.stopPinging();
      await connections.closeAll(1001, 'Going away');
    },
  };
}

/** graphql-ws's protocol, with the pipeline behind its hooks. */
function protocolServer(options: WebSocketOptions): ProtocolServer<Connection> {
  const { schema, pipeline, maxSubscriptionsPerSocket } = options;
  /** graphql-ws hands the arguments onSubscribe returned to execute/subscribe: that is how they find their operation. */
  const operations = new WeakMap<ExecutionArgs, Operation>();
  const run = (args: ExecutionArgs) => {
    const operation = operations.get(args);
    if (!operation) throw new Error('execution arguments that did not come from onSubscribe');
    operations.delete(args); // found once: no entry kept for the subscription's life
    // The pipeline's results are formatted already; graphql-ws sends them as they are (see onNext).
    return operation.execute(args.contextValue) as Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>;
  };
  return makeServer<Record<string, unknown> | undefined, Connection>({
    schema,
    // The Connection's own timer (graphql-ws's would stay in its closure for the socket's life).
    connectionInitWaitTimeout: 0,
    onConnect: (ctx) => {
      ctx.extra.initialised(ctx.connectionParams);
      // false → graphql-ws closes the socket with 4403 Forbidden.
      return options.keyCheck(ctx.connectionParams?.authorization);
    },
    onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      const operation = pipeline.begin({ transport: 'ws', request: payload, headers: ctx.extra.headers });
      // graphql-ws has registered this subscription already: more than the cap means one too many.
      if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) {
        return operation.refuse(limitExceeded('MAX_SUBSCRIPTIONS_PER_SOCKET', maxSubscriptionsPerSocket, 'This connection has as many subscriptions as it may hold'));
      }
      const prepared = await operation.prepare();
      if (!prepared.ok) return prepared.errors;
      // rootValue given (graphql-ws would add it, undefined without `roots`): an added property
      // would move the object's properties out of line, for each subscription's life.
      const args: ExecutionArgs = { schema, document: prepared.document, operationName: payload.operationName ?? null, variableValues: operation.variables, contextValue: options.context(operation.facts), rootValue: undefined };
      operations.set(args, operation);
      return args;
    },
    execute: run,
    subscribe: run,
    // Already masked by the pipeline: returning the result makes graphql-ws send it unchanged.
    onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
  });
}

/** The close reason of 4500: what failed is in the log, not in the client's hands. */
const INTERNAL_ERROR = 'Internal server error';

/**
 * What ws makes for each accepted socket (its `WebSocket` option), so that the listeners every
 * socket shares find the socket's connection on it instead of closing over it.
 */
class GatewaySocket extends WebSocket {
  connection: Connection | undefined;
}

/** The connection_init payload stands for the request headers of the socket's operations (`traceparent`). */
class InitPayloadHeaders implements RequestHeaders {
  constructor(private readonly payload: Record<string, unknown>) {}

  get(name: string): string | undefined {
    const value = this.payload[name];
    return typeof value === 'string' ? value : undefined;
  }
}

const noInitPayload = new InitPayloadHeaders({});

/** One socket as graphql-ws's protocol sees it (its `WebSocket` interface), and graphql-ws's `ctx.extra`. */
class Connection implements ProtocolSocket {
  /** graphql-ws's message handler; resolves once that message is done with (a subscription: at its end). */
  private handle: ((data: string) => Promise<void>) | undefined;
  /** Tells graphql-ws the socket closed (it returns the socket's subscriptions). */
  closed: ((code: number, reason: string) => Promise<void>) | undefined;
  headers = noInitPayload;
  /** Until connection_init: then dropped, so that no timer stays with the socket. */
  private initTimer: NodeJS.Timeout | undefined;
  awaitingPong = false;
  /** Its keep-alive slot in Connections. */
  slot = 0;

  constructor(
    readonly socket: GatewaySocket,
    readonly connections: Connections,
    initTimeoutMs: number,
  ) {
    this.initTimer = setTimeout(() => this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout'), initTimeoutMs);
  }

  /** connection_init arrived (graphql-ws's onConnect), with this payload. */
  initialised(payload: Record<string, unknown> | undefined): void {
    this.stopInitTimer();
    if (payload) this.headers = new InitPayloadHeaders(payload);
  }

  stopInitTimer(): void {
    clearTimeout(this.initTimer);
    this.initTimer = undefined;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) return resolve();
      this.socket.send(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
  }

  received(data: RawData): void {
    // Not awaited here: a subscription's handler runs for the subscription's life, and an async
    // frame waiting on it would be one more object graph per subscription.
    this.handle?.(String(data)).catch((error: unknown) => this.failed(error));
  }

  /** Sends a ping, or ends a socket that did not answer the previous one. */
  ping(): void {
    if (this.awaitingPong) return this.socket.terminate();
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.awaitingPong = true;
    this.socket.ping();
  }

  /** A handler failed (a bug, or a send on a broken socket): only this socket goes, as with useServer. */
  private failed(error: unknown): void {
    this.connections.logger.error({ err: error }, 'WebSocket message handling failed: closing the socket');
    this.socket.close(CloseCode.InternalServerError, INTERNAL_ERROR);
  }
}

/**
 * Sockets are pinged in SLOTS groups by when they opened, one group per tick, so that at 10,000
 * sockets the pings go out a slice at a time rather than all in one event-loop turn.
 */
const SLOTS = 12;

/** The open connections, in keep-alive slots; one timer pings them all. */
class Connections {
  private readonly slots: Set<Connection>[] = Array.from({ length: SLOTS }, () => new Set());
  private currentSlot = 0;
  private readonly timer: NodeJS.Timeout;

  readonly logger: Logger;
  private readonly initTimeoutMs: number;

  constructor(
    private readonly protocol: ProtocolServer<Connection>,
    options: Pick<WebSocketOptions, 'keepAliveMs' | 'connectionInitWaitTimeoutMs' | 'logger'>,
  ) {
    this.logger = options.logger;
    this.initTimeoutMs = options.connectionInitWaitTimeoutMs;
    this.timer = setInterval(() => this.pingNextSlot(), options.keepAliveMs / SLOTS);
    this.timer.unref(); // sockets, not their pings, keep the process alive
  }

  open(socket: GatewaySocket): void {
    const connection = new Connection(socket, this, this.initTimeoutMs);
    socket.connection = connection;
    // The connection is graphql-ws's `extra`: nothing of the upgrade request is kept for the socket's life.
    connection.closed = this.protocol.opened(connection, connection);
    // Joins the slot just pinged: its first ping comes about one keep-alive period from now.
    connection.slot = this.currentSlot;
    this.slots[connection.slot]!.add(connection);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('error', onError);
    socket.on('close', onClose);
  }

  forget(connection: Connection): void {
    this.slots[connection.slot]!.delete(connection);
  }

  stopPinging(): void {
    clearInterval(this.timer);
  }

  /** Closes every socket and resolves once all of them have closed. */
  async closeAll(code: number, reason: string): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const slot of this.slots) {
      for (const { socket } of slot) {
        closing.push(new Promise((resolve) => socket.once('close', resolve)));
        socket.close(code, reason);
      }
    }
    await Promise.all(closing);
  }

  private pingNextSlot(): void {
    this.currentSlot = (this.currentSlot + 1) % SLOTS;
    for (const connection of this.slots[this.currentSlot]!) connection.ping();
  }
}

// The listeners of every socket: `this` is the socket (ws made it a GatewaySocket), which carries its connection.

const connectionOf = (socket: WebSocket): Connection => (socket as GatewaySocket).connection!;

function onMessage(this: WebSocket, data: RawData): void {
  connectionOf(this).received(data);
}

function onPong(this: WebSocket): void {
  connectionOf(this).awaitingPong = false;
}

/** ws reports a bad frame (too large, not UTF-8, a protocol violation) and closes the socket itself, with the code that says which. */
function onError(this: WebSocket, error: Error): void {
  connectionOf(this).connections.logger.warn({ err: error }, 'WebSocket frame refused: socket closed');
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const connection = connectionOf(this);
  connection.stopInitTimer();
  connection.connections.forget(connection);
  connection.closed!(code, String(reason)).catch((error: unknown) => connection.connections.logger.error({ err: error }, 'ending a closed socket’s subscriptions failed'));
}
