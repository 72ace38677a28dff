// Whether the control plane can be reached. Every API call the agent makes
// reports here; when calls start succeeding again after failures, listeners
// hear of it (the pod watch is restarted and status catches up).
import { ApiStatusError } from "../../client/errors.ts";

/** The API answered (with an error of its own), as opposed to not answering at all. */
export const isUnreachable = (error: unknown): boolean => !(error instanceof ApiStatusError);

export class ApiLink {
  #online = true;
  #listeners: (() => void)[] = [];
  #log: (message: string) => void;

  constructor(log: (message: string) => void = () => {}) {
    this.#log = log;
  }

  get online(): boolean {
    return this.#online;
  }

  /** Runs an API call, noting whether the API answered. */
  async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      const result = await request();
      this.up();
      return result;
    } catch (error) {
      if (isUnreachable(error)) this.down(error);
      else this.up();
      throw error;
    }
  }

  up(): void {
    if (this.#online) return;
    this.#online = true;
    this.#log("agent: the API server is reachable again");
    for (const listener of this.#listeners) listener();
  }

  down(error: unknown): void {
    if (!this.#online) return;
    this.#online = false;
    this.#log(`agent: the API server is unreachable (${(error as Error)?.message ?? error}); pods keep running from local state`);
  }

  onReconnect(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
