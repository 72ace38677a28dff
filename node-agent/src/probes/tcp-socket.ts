// tcpSocket probes: the port accepts a connection within the timeout.
import { connect } from "node:net";
import type { ProbeResult } from "./probe-result.ts";
import { failure, success } from "./probe-result.ts";

export function tcpSocketProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(failure(`dial tcp ${host}:${port}: i/o timeout`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(success());
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = error.code === "ECONNREFUSED" ? "connect: connection refused" : error.message;
      resolve(failure(`dial tcp ${host}:${port}: ${why}`));
    });
  });
}
