/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and `/graphql` path: a
 * thin protocol layer in front of the operation pipeline, which parses, validates, limits,
 * executes, masks, logs and counts exactly as it does for HTTP. What is the socket's own: the
 * gateway key at `connection_init` (else close 4403) and MAX_SUBSCRIPTIONS_PER_SOCKET. The
 * connection_init payload stands for the request headers (`traceparent` for tracing).
 *
 * The protocol's state machine is written here, on graphql-ws's own message parsing, validation,
 * message types, close codes and subprotocol negotiation, because at 10,000 subscribers what
 * each one holds is the gateway's heap. graphql-ws's `makeServer` keeps, per subscription, a
 * suspended async function (its message handler, in `for await` over the stream: ≈ 420 B of
 * frame, its context and the parsed message), three `emit` closures and a chain of promises, and
 * per socket a context with a dictionary of subscriptions; its `useServer` also keeps the upgrade
 * request for the socket's life. Here a socket costs one `Connection` (methods on its prototype,
 * ws listeners shared by every socket, one timer pinging every socket), and a subscription one
 * `Subscription` waiting on its stream's next event. Behaviour is graphql-ws's (and the tests in
 * test/server/abuse.test.ts and auth.test.ts pin it): the subprotocol check (4406), connection
 * init timeout (4408), invalid messages (4400), a second init (4429), the key (4403), a subscribe
 * before the ack (4401), a duplicate id (4409), pings, `next`/`error`/`complete`, a failing
 * handler closing only its socket (4500), `dispose` closing every socket with 1001. One
 * difference: a message of a type only servers send (`next` from a client) closes with 4400,
 * where graphql-ws threw and closed with 4500.
 */
import type { Server } from 'node:http';
import type { FormattedExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, MessageType, parseMessage, type SubscribePayload } from 'graphql-ws';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isJsonObject } from '../domain/execution.js';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import type { KeyCheck } from './auth.js';
import { limitExceeded } from './limits.js';
import type { OperationResult, Pipeline, RequestHeaders } from './pipeline/index.js';

export interface WebSocketOptions {
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
  const connections = new Connections(options);
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
  // ws re-emits the HTTP server's errors here; as with graphql-ws's useServer, every socket is closed (4500).
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

/** The close reason of 4500: what failed is in the log, not in the client's hands. */
const INTERNAL_ERROR = 'Internal server error';
const ACK = JSON.stringify({ type: MessageType.ConnectionAck });
const PONG = JSON.stringify({ type: MessageType.Pong });

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

/** One socket and its graphql-transport-ws state. */
class Connection {
  headers = noInitPayload;
  /** Until connection_init: then dropped, so that no timer stays with the socket. */
  private initTimer: NodeJS.Timeout | undefined;
  private initReceived = false;
  private acknowledged = false;
  /** By id, from the subscribe message on (a complete for it cancels it); made on the first. */
  private subscriptions: Map<string, Subscription> | undefined;
  awaitingPong = false;
  /** Its keep-alive slot in Connections. */
  slot = 0;

  constructor(
    readonly socket: GatewaySocket,
    readonly connections: Connections,
  ) {
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      this.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    this.initTimer = setTimeout(() => this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout'), connections.options.connectionInitWaitTimeoutMs);
  }

  received(data: RawData): void {
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(String(data));
    } catch {
      return this.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        return this.init(message.payload);
      case MessageType.Ping:
        return this.sendOrFail(message.payload ? JSON.stringify({ type: MessageType.Pong, payload: message.payload }) : PONG);
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        // Not awaited here: a failure ends this socket only.
        return void this.subscribe(message.id, message.payload).catch((error: unknown) => this.failed(error));
      case MessageType.Complete:
        return this.subscriptions?.get(message.id)?.cancel();
      default:
        return this.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  /** The socket closed: every subscription on it is returned (its poller released). */
  closed(): void {
    this.stopInitTimer();
    const subscriptions = this.subscriptions;
    this.subscriptions = undefined;
    for (const subscription of subscriptions?.values() ?? []) subscription.cancel();
  }

  /** Whether the subscription is still the one under its id (not completed by the client, socket open). */
  holds(subscription: Subscription): boolean {
    return this.subscriptions?.get(subscription.id) === subscription;
  }

  /** Frees the subscription's id; false if it was no longer there (the client ended it, or the socket closed). */
  release(subscription: Subscription): boolean {
    if (!this.holds(subscription)) return false;
    this.subscriptions!.delete(subscription.id);
    return true;
  }

  /** The subscription is over: `complete` is sent unless the client ended it. */
  finished(subscription: Subscription): void {
    if (!this.release(subscription)) return;
    this.sendOrFail(JSON.stringify({ id: subscription.id, type: MessageType.Complete }));
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

  private stopInitTimer(): void {
    clearTimeout(this.initTimer);
    this.initTimer = undefined;
  }

  /** Sends a ping, or ends a socket that did not answer the previous one. */
  ping(): void {
    if (this.awaitingPong) return this.socket.terminate();
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.awaitingPong = true;
    this.socket.ping();
  }

  /** A handler failed (a bug, or a send on a broken socket): only this socket goes. */
  failed(error: unknown): void {
    this.connections.options.logger.error({ err: error }, 'WebSocket message handling failed: closing the socket');
    this.socket.close(CloseCode.InternalServerError, INTERNAL_ERROR);
  }

  private sendOrFail(data: string): void {
    this.send(data).catch((error: unknown) => this.failed(error));
  }

  private init(payload: Record<string, unknown> | undefined): void {
    if (this.initReceived) return this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
    this.initReceived = true;
    this.stopInitTimer();
    if (isJsonObject(payload)) this.headers = new InitPayloadHeaders(payload);
    if (!this.connections.options.keyCheck(isJsonObject(payload) ? payload.authorization : undefined)) return this.close(CloseCode.Forbidden, 'Forbidden');
    this.acknowledged = true;
    this.sendOrFail(ACK);
  }

  private async subscribe(id: string, payload: SubscribePayload): Promise<void> {
    if (!this.acknowledged) return this.close(CloseCode.Unauthorized, 'Unauthorized');
    const subscriptions = (this.subscriptions ??= new Map());
    if (subscriptions.has(id)) return this.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    const subscription = new Subscription(this, id);
    subscriptions.set(id, subscription);
    const { pipeline, context, maxSubscriptionsPerSocket } = this.connections.options;
    const operation = pipeline.begin({ transport: 'ws', request: payload, headers: this.headers });
    if (subscriptions.size > maxSubscriptionsPerSocket) {
      return this.refused(subscription, operation.refuse(limitExceeded('MAX_SUBSCRIPTIONS_PER_SOCKET', maxSubscriptionsPerSocket, 'This connection has as many subscriptions as it may hold')));
    }
    const prepared = await operation.prepare();
    if (!prepared.ok) return this.refused(subscription, prepared.errors);
    subscription.start(await operation.execute(context(operation.facts)));
  }

  /** The pipeline refused the operation: an `error` message, and the id is free again. */
  private refused(subscription: Subscription, errors: readonly GraphQLError[]): void {
    if (!this.release(subscription)) return;
    this.sendOrFail(JSON.stringify({ id: subscription.id, type: MessageType.Error, payload: errors.map((error) => error.toJSON()) }));
  }
}

/**
 * One subscribe message's results on their way to the socket: each `next` is sent, and the next
 * result asked for only once that send is done (as graphql-ws does), so a slow client is not
 * buffered without bound. A promise chain rather than an async function: an idle subscription
 * holds one pending `then`, not a suspended frame.
 */
class Subscription {
  private stream: AsyncIterator<FormattedExecutionResult> | undefined;

  constructor(
    private readonly connection: Connection,
    readonly id: string,
  ) {}

  /** What the pipeline's `execute` returned: one result (a query, a refused subscription) or a stream. */
  start(result: OperationResult): void {
    const stream = Symbol.asyncIterator in result ? result[Symbol.asyncIterator]() : undefined;
    if (!this.connection.holds(this)) {
      void stream?.return?.(); // completed by the client, or its socket closed, while it was prepared
      return;
    }
    if (!stream) return this.sendNext(result as FormattedExecutionResult, () => this.connection.finished(this));
    this.stream = stream;
    this.pull();
  }

  /** The client completed it, or its socket closed: the stream is returned (its poller released). */
  cancel(): void {
    this.connection.release(this);
    this.stream?.return?.().catch((error: unknown) => this.connection.failed(error));
  }

  private pull(): void {
    this.stream!.next().then(
      (step) => this.stepped(step),
      (error: unknown) => this.connection.failed(error),
    );
  }

  private stepped(step: IteratorResult<FormattedExecutionResult>): void {
    if (!this.connection.holds(this)) return;
    if (step.done) return this.connection.finished(this);
    this.sendNext(step.value, () => this.pull());
  }

  /** A `next` message, and `then` once the socket has taken it. */
  private sendNext(result: FormattedExecutionResult, then: () => void): void {
    this.connection.send(JSON.stringify({ id: this.id, type: MessageType.Next, payload: result })).then(then, (error: unknown) => this.connection.failed(error));
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

  constructor(readonly options: WebSocketOptions) {
    this.timer = setInterval(() => this.pingNextSlot(), options.keepAliveMs / SLOTS);
    this.timer.unref(); // sockets, not their pings, keep the process alive
  }

  open(socket: GatewaySocket): void {
    // Nothing of the upgrade request is kept for the socket's life.
    const connection = new Connection(socket, this);
    socket.connection = connection;
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
  connectionOf(this).connections.options.logger.warn({ err: error }, 'WebSocket frame refused: socket closed');
}

function onClose(this: WebSocket): void {
  const connection = connectionOf(this);
  connection.connections.forget(connection);
  connection.closed();
}
