// One UDP listener of the proxy. Each client address (ip:port) is a session
// with its own connected socket to the endpoint its route picked, so replies
// find their way back; a session idle for the idle timeout is closed (the
// userspace proxy's stand-in for conntrack). Datagrams are never queued: when
// a socket's buffer is full the datagram is dropped, as the network would.
import type { udp } from "bun";
import { type EndpointInfo, endpointKey } from "./service-ports.ts";
import type { Route } from "./tcp-proxy.ts";

export const DEFAULT_UDP_IDLE_MS = 30_000;

interface Session {
  upstream: udp.ConnectedSocket<"buffer"> | undefined;
  /** Datagrams that came while the upstream socket was being opened. */
  pending: Buffer[];
  endpoint: EndpointInfo;
  lastActive: number;
  closed: boolean;
}

export class UdpFrontend {
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(
    readonly ip: string,
    private readonly socket: udp.Socket<"buffer">,
    public route: Route,
    private readonly idleMs: number,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(50, Math.floor(idleMs / 2)));
    this.#sweeper.unref?.();
  }

  static async listen(ip: string, port: number, route: Route, idleMs = DEFAULT_UDP_IDLE_MS): Promise<UdpFrontend> {
    let frontend: UdpFrontend | undefined;
    const socket = await Bun.udpSocket({
      hostname: ip,
      port,
      binaryType: "buffer",
      socket: { data: (_socket, data, clientPort, clientAddress) => frontend?.receive(data, clientPort, clientAddress) },
    });
    frontend = new UdpFrontend(ip, socket, route, idleMs);
    return frontend;
  }

  get port(): number {
    return this.socket.port;
  }

  /** Client sessions open now. */
  get sessions(): number {
    return this.#sessions.size;
  }

  receive(data: Buffer, clientPort: number, clientAddress: string): void {
    if (this.#closed) return;
    const key = `${clientAddress}:${clientPort}`;
    let session = this.#sessions.get(key);
    if (!session) {
      const { balancer, external } = this.route;
      const endpoint = balancer.pick(clientAddress, external);
      if (!endpoint) return;
      session = { upstream: undefined, pending: [data], endpoint, lastActive: Date.now(), closed: false };
      this.#sessions.set(key, session);
      void this.#open(key, session, clientPort, clientAddress);
      return;
    }
    session.lastActive = Date.now();
    if (session.upstream) session.upstream.send(data);
    else session.pending.push(data);
  }

  async #open(key: string, session: Session, clientPort: number, clientAddress: string): Promise<void> {
    try {
      const upstream = await Bun.udpSocket({
        binaryType: "buffer",
        connect: { hostname: session.endpoint.ip, port: session.endpoint.port },
        socket: {
          data: (_socket, reply) => {
            session.lastActive = Date.now();
            if (!this.#closed) this.socket.send(reply, clientPort, clientAddress);
          },
        },
      });
      if (session.closed) {
        upstream.close();
        return;
      }
      session.upstream = upstream;
      for (const datagram of session.pending.splice(0)) upstream.send(datagram);
    } catch {
      this.#drop(key, session);
    }
  }

  /** Sessions whose endpoint is gone from the Service go at once: their next datagram picks a live one. */
  forgetGone(): void {
    const { balancer } = this.route;
    for (const [key, session] of this.#sessions) if (!balancer.has(endpointKey(session.endpoint))) this.#drop(key, session);
  }

  #drop(key: string, session: Session): void {
    session.closed = true;
    session.upstream?.close();
    if (this.#sessions.get(key) === session) this.#sessions.delete(key);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, session] of this.#sessions) if (now - session.lastActive >= this.idleMs) this.#drop(key, session);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.socket.close();
    for (const [key, session] of this.#sessions) this.#drop(key, session);
  }

  closeAll(): void {
    this.close();
  }
}
