// Real `duban worker` processes for the benchmarks that measure workers (the
// city's fan-out, the intake with one and two workers): each is the CLI as an
// operator runs it (bin/duban.js, its own environment), so what is measured
// includes everything the process carries — tsx, Prisma, the Temporal
// runtime, the workflow thread. The clock of a round starts at the first
// worker's start line; a worker that exits early is a failure of the round;
// the resident set is sampled from /proc while they run.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The V8 heap flags the README gives for a `duban worker` process (its
 * NODE_OPTIONS): Node's default heap ceiling grows with the machine's RAM
 * (4 GB with 24 GB), and V8 then lets garbage pile up in both isolates (the main
 * thread's and the workflow thread's) long before it collects; a 384 MB
 * ceiling per isolate and 4 MB semi-spaces keep each heap near its live size.
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=384 --max-semi-space-size=4';

const bin = fileURLToPath(new URL('../bin/duban.js', import.meta.url));

export interface WorkerMemory {
  /** resident set at the last sample (MB) */
  rssMb: number;
  /** the highest resident set the kernel saw (VmHWM, MB) */
  peakMb: number;
}

/** Resident set now and at its peak of a process and its children, from /proc. */
export function memoryOf(pid: number): WorkerMemory {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const kids = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (kids) pids.push(...kids.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  let rss = 0;
  let peak = 0;
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return { rssMb: Math.round(rss / 1024), peakMb: Math.round(peak / 1024) };
}

export interface DubanWorkers {
  /** performance.now() of the first worker's start line; 0 until then */
  startedAt(): number;
  /** throws with the worker's last words when one has exited */
  check(): void;
  /** samples every worker's resident set (call while waiting) */
  sample(): void;
  /** each worker's memory: the last sample and the peak */
  memory: WorkerMemory[];
  /** SIGTERM, and waits for every one to exit */
  stop(): Promise<void>;
}

/**
 * Starts `count` `duban worker` processes with `vars` over the current
 * environment, and `nodeOptions` (default: the README's heap flags) after
 * any NODE_OPTIONS already set.
 */
export function startDubanWorkers(
  count: number,
  vars: Record<string, string>,
  nodeOptions: string = WORKER_NODE_OPTIONS,
): DubanWorkers {
  const NODE_OPTIONS = [process.env.NODE_OPTIONS, nodeOptions].filter(Boolean).join(' ');
  let t0 = 0;
  const exits: string[] = [];
  const children: ChildProcess[] = [];
  for (let w = 0; w < count; w++) {
    const child = spawn(process.execPath, [bin, 'worker'], {
      env: { ...process.env, ...vars, NODE_OPTIONS },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (!t0 && err.includes('worker 已启动')) t0 = performance.now();
    });
    child.once('exit', (code) => exits.push(`worker ${w + 1} 退出（${code}）：${err.slice(-500)}`));
    children.push(child);
  }
  const memory: WorkerMemory[] = children.map(() => ({ rssMb: 0, peakMb: 0 }));
  let stopping = false;
  return {
    startedAt: () => t0,
    check() {
      if (exits.length && !stopping) throw new Error(exits.join('\n'));
    },
    sample() {
      children.forEach((c, i) => {
        if (c.exitCode !== null) return;
        const m = memoryOf(c.pid!);
        memory[i] = { rssMb: m.rssMb, peakMb: Math.max(memory[i]!.peakMb, m.peakMb) };
      });
    },
    memory,
    async stop() {
      stopping = true;
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      await Promise.all(
        children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
      );
    },
  };
}
