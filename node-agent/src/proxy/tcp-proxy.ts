// One TCP listener of the proxy (a ClusterIP, NodePort or LoadBalancer
// address) and the connections through it: each accepted connection gets an
// upstream connection to the endpoint its route picks, retried on the next
// endpoint when one refuses or does not answer in time, then bytes are
// passed through as they come.
// Backpressure both ways: when a socket's kernel buffer is full, the rest of
// the chunk waits (the chunk itself, no copy) and the sending side is paused
// until `drain`. Half-closes are passed on, so a client that shuts down its
// write side still gets its answer.
import type { Socket, TCPSocketListener } from "bun";
import type { Balancer } from "./balancer.ts";
import { type EndpointInfo, endpointKey } from "./service-ports.ts";

/** Which balancer a listener's connections use, and whether its address is external (traffic policy). Swapped in place when the Service changes. */
export interface Route {
  balancer: Balancer;
  external: boolean;
}

/**
 * How long each attempt to reach an endpoint may take (kube-proxy's userspace
 * mode had 250 ms to 2 s): an endpoint that does not answer at all (its node
 * cut off) costs the client one timeout, then the next endpoint is tried.
 * Also the most endpoints tried for one connection.
 */
export const CONNECT_TIMEOUTS_MS = [1_000, 2_000, 3_000, 4_000];

class Connection {
  upstream: Socket<Connection> | undefined;
  endpoint: EndpointInfo | undefined;
  readonly toUpstream: Uint8Array[] = [];
  readonly toClient: Uint8Array[] = [];
  /** The client sent FIN (or went): once its bytes are through, the upstream gets a FIN too. */
  clientDone = false;
  upstreamDone = false;
  clientClosed = false;
  upstreamClosed = false;
  /** We sent FIN to that side already. */
  clientShut = false;
  upstreamShut = false;
  /** Reading from that side is paused (its peer's buffer is full, or the upstream is not connected yet). */
  clientPaused = false;
  upstreamPaused = false;

  constructor(
    readonly frontend: TcpFrontend,
    readonly client: Socket<Connection>,
  ) {}

  /** Passes the client's FIN on: a half-close while the upstream still talks, a full close once it has finished too. */
  finishUpstream(): void {
    const upstream = this.upstream;
    if (!upstream || this.upstreamClosed || this.upstreamShut) return;
    this.upstreamShut = true;
    // A client that is gone entirely reads no answer: the upstream is closed, not half-closed.
    if (this.upstreamDone || this.clientClosed) upstream.end();
    else upstream.shutdown();
  }

  pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.client.pause();
  }

  resumeClient(): void {
    if (!this.clientPaused) return;
    this.clientPaused = false;
    this.client.resume();
  }

  pauseUpstream(): void {
    if (this.upstreamPaused) return;
    this.upstreamPaused = true;
    this.upstream?.pause();
  }

  resumeUpstream(): void {
    if (!this.upstreamPaused) return;
    this.upstreamPaused = false;
    this.upstream?.resume();
  }

  finishClient(): void {
    if (this.clientClosed || this.clientShut) return;
    this.clientShut = true;
    if (this.clientDone || this.upstreamClosed) this.client.end();
    else this.client.shutdown();
  }
}

/** Writes what is queued for `to`; then resumes the sending side, or passes its FIN on if it has finished. Returns whether all was written. */
function flush(to: Socket<Connection>, queue: Uint8Array[], resume: () => void, fromDone: boolean, finish: () => void): boolean {
  while (queue.length > 0) {
    const chunk = queue[0]!;
    const written = to.write(chunk);
    if (written < 0) {
      queue.length = 0;
      return false;
    }
    if (written < chunk.byteLength) {
      queue[0] = chunk.subarray(written);
      return false;
    }
    queue.shift();
  }
  if (fromDone) finish();
  else resume();
  return true;
}

/** Chunks held for an upstream still connecting before the client is paused (the kernel keeps the rest). */
const MAX_EARLY_CHUNKS = 2;

/** Passes `data` on to `to`, or queues what does not fit (the chunk itself, no copy) and pauses the sender until `to` drains. */
function forward(c: Connection, fromClient: boolean, data: Uint8Array): void {
  const to = fromClient ? c.upstream : c.client;
  const queue = fromClient ? c.toUpstream : c.toClient;
  if (!to || queue.length > 0) {
    queue.push(data);
    if (to || queue.length >= MAX_EARLY_CHUNKS) pauseSender(c, fromClient);
    return;
  }
  const written = to.write(data);
  if (written >= 0 && written < data.byteLength) {
    queue.push(written === 0 ? data : data.subarray(written));
    pauseSender(c, fromClient);
  }
}

const pauseSender = (c: Connection, client: boolean): void => (client ? c.pauseClient() : c.pauseUpstream());

// Bun sets TCP_NODELAY on accepted and connected sockets itself.
const upstreamHandlers = {
  data(socket: Socket<Connection>, data: Uint8Array) {
    const c = socket.data;
    // An attempt given up on (timed out) that connected after all is not this connection's upstream.
    if (c.clientClosed || c.upstream !== socket) return;
    forward(c, false, data);
  },
  drain(socket: Socket<Connection>) {
    const c = socket.data;
    flush(socket, c.toUpstream, () => c.resumeClient(), c.clientDone, () => c.finishUpstream());
  },
  end(socket: Socket<Connection>) {
    const c = socket.data;
    if (c.upstream !== socket) return;
    c.upstreamDone = true;
    if (c.upstreamShut) socket.end();
    if (c.toClient.length === 0) c.finishClient();
  },
  close(socket: Socket<Connection>) {
    const c = socket.data;
    if (c.upstream !== socket) return;
    c.upstreamClosed = true;
    c.upstreamDone = true;
    if (c.toClient.length === 0) c.finishClient();
  },
  error() {
    // close follows; the client learns of it from its own socket closing.
  },
};

const clientHandlers = {
  open(socket: Socket<Connection>) {
    const frontend = (socket as unknown as { listener?: { data?: TcpFrontend } }).listener?.data;
    if (!frontend) {
      socket.terminate();
      return;
    }
    const c = new Connection(frontend, socket);
    socket.data = c;
    frontend.opened(c);
    void connectUpstream(c);
  },
  data(socket: Socket<Connection>, data: Uint8Array) {
    const c = socket.data;
    if (c.upstreamClosed) return;
    forward(c, true, data);
  },
  drain(socket: Socket<Connection>) {
    const c = socket.data;
    const upstream = c.upstream;
    if (upstream) flush(socket, c.toClient, () => c.resumeUpstream(), c.upstreamDone, () => c.finishClient());
  },
  end(socket: Socket<Connection>) {
    const c = socket.data;
    c.clientDone = true;
    if (c.clientShut) socket.end();
    if (c.toUpstream.length === 0) c.finishUpstream();
  },
  close(socket: Socket<Connection>) {
    const c = socket.data as Connection | undefined;
    if (!c) return;
    c.clientClosed = true;
    c.clientDone = true;
    if (c.toUpstream.length === 0) c.finishUpstream();
    c.frontend.closed(c);
  },
  error() {},
};

async function connectUpstream(c: Connection): Promise<void> {
  const clientIP = c.client.remoteAddress;
  const tried = new Set<string>();
  for (const timeoutMs of CONNECT_TIMEOUTS_MS) {
    if (c.clientClosed) return;
    const { balancer, external } = c.frontend.route;
    const endpoint = balancer.pick(clientIP, external, tried);
    if (!endpoint) break;
    const attempt = Bun.connect<Connection>({ hostname: endpoint.ip, port: endpoint.port, data: c, allowHalfOpen: true, socket: upstreamHandlers });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const upstream = await Promise.race([
      attempt,
      new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined))),
    ]).catch(() => undefined);
    clearTimeout(timer);
    if (!upstream) {
      // Refused, unreachable or silent: this endpoint is out for this connection; the next one gets it.
      attempt.then((late) => late.terminate(), () => {});
      tried.add(endpointKey(endpoint));
      balancer.failed(clientIP, endpoint);
      continue;
    }
    c.upstream = upstream;
    c.endpoint = endpoint;
    if (c.clientClosed) {
      upstream.end();
      return;
    }
    // Whatever the client sent before it could be read (and its FIN) goes first.
    flush(upstream, c.toUpstream, () => c.resumeClient(), c.clientDone, () => c.finishUpstream());
    return;
  }
  // No endpoint took it: the client's connection is reset, as with kube-proxy's REJECT.
  if (!c.clientClosed) c.client.terminate();
}

export class TcpFrontend {
  readonly #listener: TCPSocketListener<TcpFrontend>;
  readonly #connections = new Set<Connection>();
  #closed = false;

  private constructor(
    readonly ip: string,
    port: number,
    public route: Route,
  ) {
    this.#listener = Bun.listen<TcpFrontend>({
      hostname: ip,
      port,
      exclusive: true,
      allowHalfOpen: true,
      data: this,
      socket: clientHandlers as never,
    });
  }

  /** Listens on ip:port (0: a free port); throws as Bun.listen does (EADDRINUSE, EADDRNOTAVAIL). */
  static listen(ip: string, port: number, route: Route): TcpFrontend {
    return new TcpFrontend(ip, port, route);
  }

  get port(): number {
    return this.#listener.port;
  }

  /** Connections open through this listener now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** The endpoints the open connections went to (ip:port), for tests and status. */
  upstreams(): string[] {
    return [...this.#connections].flatMap((c) => (c.endpoint ? [endpointKey(c.endpoint)] : []));
  }

  opened(c: Connection): void {
    this.#connections.add(c);
  }

  closed(c: Connection): void {
    this.#connections.delete(c);
  }

  /** Stops accepting; connections already open carry on until either side ends them. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.stop(false);
  }

  /** Ends every open connection too (the agent is stopping). */
  closeAll(): void {
    this.close();
    for (const c of this.#connections) {
      c.client.terminate();
      c.upstream?.terminate();
    }
  }
}
