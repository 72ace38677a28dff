// Real sockets for the proxy's tests: line servers that answer with their
// own name (so a test sees which endpoint got a connection), clients that
// keep a connection open across changes, and UDP echo servers.
import type { Socket, TCPSocketListener, udp } from "bun";

/** A free-ish loopback address for a test's backends: 127.1.<200-254>.<2-254>, away from the agents' pod range start. */
export function testAddress(): string {
  return `127.1.${200 + Math.floor(Math.random() * 55)}.${2 + Math.floor(Math.random() * 253)}`;
}

/** A ClusterIP-like address for a test: 127.97.x.y (outside ledge up's 127.96.0.0/16). */
export function testServiceAddress(): string {
  return `127.97.${Math.floor(Math.random() * 256)}.${2 + Math.floor(Math.random() * 253)}`;
}

export interface LineServer {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** Connections open now. */
  readonly open: number;
  /** Connections accepted in all. */
  readonly accepted: number;
  stop(): void;
}

/** Answers every line with `<name>:<line>`, and passes a half-close on after its answers. */
export function lineServer(name: string, ip = testAddress(), port = 0): LineServer {
  let open = 0;
  let accepted = 0;
  const listener: TCPSocketListener<{ buffered: string }> = Bun.listen<{ buffered: string }>({
    hostname: ip,
    port,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        socket.data = { buffered: "" };
        open++;
        accepted++;
      },
      data(socket, data) {
        socket.data.buffered += data.toString();
        let newline: number;
        while ((newline = socket.data.buffered.indexOf("\n")) >= 0) {
          socket.write(`${name}:${socket.data.buffered.slice(0, newline)}\n`);
          socket.data.buffered = socket.data.buffered.slice(newline + 1);
        }
      },
      end(socket) {
        socket.end();
      },
      close() {
        open--;
      },
    },
  });
  return {
    name,
    ip,
    port: listener.port,
    get open() {
      return open;
    },
    get accepted() {
      return accepted;
    },
    stop: () => listener.stop(true),
  };
}

/** One request on a fresh connection: sends `line`, half-closes, and resolves with everything answered until the server closes. */
export async function request(ip: string, port: number, line = "hello"): Promise<string> {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  let answer = "";
  await Bun.connect({
    hostname: ip,
    port,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        socket.write(`${line}\n`);
        socket.shutdown();
      },
      data(_socket, data) {
        answer += data.toString();
      },
      end(socket) {
        socket.end();
      },
      close(_socket, error) {
        if (error) reject(error);
        else resolve(answer);
      },
      error(_socket, error) {
        reject(error);
      },
    },
  }).catch(reject);
  return (await promise).trim();
}

/** Which backend answered: the name before the colon. */
export const answeredBy = (answer: string): string => answer.split(":")[0] ?? "";

export interface OpenConnection {
  /** Sends a line and resolves with the answer line. */
  ask(line: string): Promise<string>;
  /** Resolves when the connection is closed (with the error if it failed). */
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

/** A connection kept open across changes, asking one line at a time. */
export async function connect(ip: string, port: number): Promise<OpenConnection> {
  let buffered = "";
  const waiting: ((line: string) => void)[] = [];
  const closed = Promise.withResolvers<Error | undefined>();
  const socket: Socket<undefined> = await Bun.connect({
    hostname: ip,
    port,
    socket: {
      data(_socket, data) {
        buffered += data.toString();
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          waiting.shift()?.(line);
        }
      },
      close(_socket, error) {
        closed.resolve(error ?? undefined);
      },
      error() {},
    },
  });
  return {
    ask(line) {
      const { promise, resolve } = Promise.withResolvers<string>();
      waiting.push(resolve);
      socket.write(`${line}\n`);
      return Promise.race([promise, closed.promise.then((error) => Promise.reject(error ?? new Error("connection closed before the answer")))]);
    },
    closed: closed.promise,
    close: () => socket.end(),
  };
}

export interface UdpEcho {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  stop(): void;
}

/** Answers every datagram with `<name>:<datagram>` to whoever sent it. */
export async function udpEcho(name: string, ip = testAddress(), port = 0): Promise<UdpEcho> {
  const socket = await Bun.udpSocket({
    hostname: ip,
    port,
    socket: {
      data(s, data, fromPort, fromAddress) {
        s.send(`${name}:${data.toString()}`, fromPort, fromAddress);
      },
    },
  });
  return { name, ip, port: socket.port, stop: () => socket.close() };
}

/** A UDP client on its own socket (one source port: one proxy session). */
export async function udpClient(): Promise<{ ask(ip: string, port: number, text: string): Promise<string>; close(): void }> {
  const waiting: ((text: string) => void)[] = [];
  const socket: udp.Socket<"buffer"> = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, data) {
        waiting.shift()?.(data.toString());
      },
    },
  });
  return {
    ask(ip, port, text) {
      const { promise, resolve } = Promise.withResolvers<string>();
      waiting.push(resolve);
      socket.send(text, port, ip);
      return promise;
    },
    close: () => socket.close(),
  };
}
