// Where a benchmark's CPU and memory go, read from /proc: a process's CPU
// time and resident memory, a Postgres server's (postmaster and backends),
// and the whole machine's, so that what other work on a shared machine took
// can be told apart from what was measured.
import { readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";

const CLOCK_TICKS = 100;
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * user + system CPU seconds of a process so far, from /proc; 0 once it is
 * gone. `reaped`: plus those of its children that have exited and been
 * waited for (a postmaster's closed backends), so the sum never goes down.
 */
function cpuSeconds(pid: number, reaped = false): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const own = Number(fields[11]) + Number(fields[12]);
  return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / CLOCK_TICKS;
}

const parentOf = (pid: string): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
};

/** Resident and peak resident memory of a process, in MiB. */
export function memory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: round(kib("VmRSS") / 1024), peakMiB: round(kib("VmHWM") / 1024) };
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  return ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0) / CLOCK_TICKS;
}

/**
 * Where the CPU goes: the server, its Postgres (postmaster and backends),
 * this process (hollow nodes, watch, clients) and everything else on the
 * machine — on a shared 2-core machine the last can dwarf the rest, and
 * per-pod CPU figures stay comparable when wall-clock rates do not.
 */
export class CpuMeter {
  private constructor(
    private readonly serverPid: number,
    private readonly postmasterPid: number,
  ) {}

  /** Finds the postmaster as the parent of a backend of `databaseUrl`. */
  static async open(serverPid: number, databaseUrl: string): Promise<CpuMeter> {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      return new CpuMeter(serverPid, parentOf(String(row!.pid)));
    } finally {
      await sql.end({ timeout: 5 });
    }
  }

  read(): CpuReading {
    let postgresSeconds = cpuSeconds(this.postmasterPid, true);
    for (const entry of readdirSync("/proc")) {
      if (/^\d+$/.test(entry) && parentOf(entry) === this.postmasterPid) postgresSeconds += cpuSeconds(Number(entry));
    }
    const { user, system } = process.cpuUsage();
    return { at: performance.now(), server: cpuSeconds(this.serverPid), postgres: postgresSeconds, bench: (user + system) / 1e6, machine: machineBusySeconds() };
  }
}

export interface CpuReading {
  at: number;
  server: number;
  postgres: number;
  bench: number;
  machine: number;
}

export interface CpuUse {
  /** CPU seconds each used between two readings. */
  serverSeconds: number;
  postgresSeconds: number;
  benchSeconds: number;
  /** Everything else on the machine (other work, the kernel), in cores on average. */
  otherCores: number;
}

export function cpuBetween(a: CpuReading, b: CpuReading): CpuUse {
  const server = b.server - a.server;
  const pg = b.postgres - a.postgres;
  const bench = b.bench - a.bench;
  const wall = (b.at - a.at) / 1000;
  return {
    serverSeconds: round(server, 1),
    postgresSeconds: round(pg, 1),
    benchSeconds: round(bench, 1),
    otherCores: round(Math.max(0, b.machine - a.machine - server - pg - bench) / wall, 2),
  };
}
