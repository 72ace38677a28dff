// Runs iproute2 (and the odd sysctl) for bridge mode: one small command at a
// time, each failure an error naming the command and what it printed. A
// prefix (nsenter --net=…) lets tests run everything inside a network
// namespace of their own.

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class NetworkCommandError extends Error {
  override readonly name = "NetworkCommandError";
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`\`${argv.join(" ")}\` failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim() || "no output"}`);
  }
}

export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

/** Bun.spawn, after `prefix` (e.g. ["nsenter", "--net=/run/netns/x"]). */
export function spawnRunner(prefix: readonly string[] = []): CommandRunner {
  return async (argv) => {
    const child = Bun.spawn([...prefix, ...argv], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { code, stdout, stderr };
  };
}

/**
 * iproute2's answers to "already so" and "already gone", which make the
 * command a no-op rather than a failure when setting up or tearing down.
 */
export const ALREADY = {
  exists: /File exists/,
  gone: /Cannot find device|Address not found|does not exist|Cannot assign requested address|No such file or directory|No such process|Invalid argument.*netns|Cannot open network namespace/,
};

export class Ip {
  constructor(private readonly run: CommandRunner) {}

  /** Runs `ip …args`; stderr matching `tolerate` counts as success. Returns stdout. */
  async ip(args: readonly string[], tolerate?: RegExp): Promise<string> {
    return this.exec(["ip", ...args], tolerate);
  }

  async exec(argv: readonly string[], tolerate?: RegExp): Promise<string> {
    let result: CommandResult;
    try {
      result = await this.run(argv);
    } catch (error) {
      throw new Error(`cannot run \`${argv.join(" ")}\`: ${(error as Error).message}`, { cause: error });
    }
    if (result.code !== 0 && !(tolerate && tolerate.test(result.stderr))) throw new NetworkCommandError(argv, result);
    return result.stdout;
  }

  /** Whether `ip link show NAME` finds the link (in `netns` when given). */
  async linkExists(name: string, netns?: string): Promise<boolean> {
    const result = await this.run(["ip", ...(netns ? ["-n", netns] : []), "link", "show", "dev", name]);
    return result.code === 0;
  }

  /** Names of the named network namespaces (`ip netns list`). */
  async netnsNames(): Promise<string[]> {
    const out = await this.ip(["netns", "list"]);
    return out
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[0] ?? "")
      .filter(Boolean);
  }
}
