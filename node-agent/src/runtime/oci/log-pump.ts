// Copies a container's stdout and stderr from the named pipes in its bundle into
// its CRI log. The container holds its pipe ends read-write (see the shim in
// runc-runtime.ts), so an agent that goes away only pauses logging: the pipe
// buffers (64 KiB) and then the container's writes wait until a new agent
// reattaches here. Each pump ends when every writer has closed its end.
import { CriLogWriter, type LogStream } from "../cri-log.ts";

export class LogPump {
  readonly #writer: CriLogWriter;
  /** Resolves once both streams reached end of file and the log is flushed. */
  readonly done: Promise<void>;

  constructor(logPath: string, fifos: Record<LogStream, string>) {
    this.#writer = new CriLogWriter(logPath);
    this.done = Promise.allSettled((Object.keys(fifos) as LogStream[]).map((stream) => this.#pump(stream, fifos[stream]))).then(() => this.#writer.close());
  }

  async #pump(stream: LogStream, fifo: string): Promise<void> {
    for await (const chunk of Bun.file(fifo).stream()) this.#writer.write(stream, chunk);
  }
}
