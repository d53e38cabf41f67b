// What every benchmark shares: one shape for a figure (Duban's rate, the
// baseline's rate measured in the same run, ratio = Duban ÷ baseline, higher
// is better, the goal and whether it is met), a progress line on stderr, and
// the child-process pattern: a benchmark runs in a child (the Temporal
// servers write banners to the stdout they inherit), its stdout goes to
// stderr, and its figures come back as JSON on fd 3.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Figure {
  /** short id, e.g. rehearsal, start, fanout */
  id: string;
  /** what is measured, in people's words */
  figure: string;
  /** what the rates count, e.g. "tasks/s" */
  unit: string;
  duban: number;
  baseline: number | null;
  /** Duban ÷ baseline: 1 means as fast as the bare path, higher is better */
  ratio: number | null;
  /** the goal, in words (e.g. "≥0.9", "≤40 s and ≥0.5") */
  goal: string;
  met: boolean | null;
  /** anything else measured (sizes, wall seconds, duplicates, settings) */
  detail?: Record<string, unknown>;
}

export interface BenchResult {
  benchmark: string;
  seconds: number;
  figures: Figure[];
}

export const rate = (n: number, ms: number): number => round((n / ms) * 1000, 1);
export const ratio = (duban: number, baseline: number): number => round(duban / baseline, 3);
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One progress line on stderr: `[bench name] label done/total`, rewritten in place on a terminal. */
export function progress(name: string): (label: string, done?: number, total?: number) => void {
  let last = 0;
  return (label, done, total) => {
    const now = Date.now();
    const final = done !== undefined && total !== undefined && done >= total;
    if (done !== undefined && !final && now - last < 1000) return;
    last = now;
    const count = done === undefined ? '' : total === undefined ? ` ${done}` : ` ${done}/${total}`;
    const line = `[bench ${name}] ${label}${count}`;
    if (process.stderr.isTTY)
      process.stderr.write(`\r\x1b[K${line}${final || done === undefined ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

/**
 * Runs `main` as the child that measures: in the parent, re-spawns this file
 * (stdout → stderr, fd 3 a pipe) and prints the JSON the child wrote to fd 3.
 */
export function benchmarkMain(moduleUrl: string, main: () => Promise<BenchResult>): void {
  if (process.env.DUBAN_BENCH_CHILD === fileURLToPath(moduleUrl)) {
    const t0 = Date.now();
    main()
      .then((r) => {
        writeSync(3, JSON.stringify({ ...r, seconds: Math.round((Date.now() - t0) / 1000) }) + '\n');
        // servers' handles may linger; the figures are out
        process.exit(0);
      })
      .catch((err) => {
        process.stderr.write(`基准测试失败：${(err as Error).stack ?? err}\n`);
        process.exit(1);
      });
    return;
  }
  runChild(fileURLToPath(moduleUrl), process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

/** Runs one benchmark file in a child; resolves with its result. */
export function runChild(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env, DUBAN_BENCH_CHILD: file },
    });
    // The Temporal dev server's banner and log lines (inherited stdout/stderr) would bury
    // the progress line: passed on only with DUBAN_DEBUG.
    const noise = /^(time=\d{4}-|Temporal (CLI|Server|Persistence|Metrics|UI)|CLI \d|Server: |UI: |\s*$)/;
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop()!;
        for (const line of lines)
          if (process.env.DUBAN_DEBUG || !noise.test(line)) process.stderr.write(`${line}\n`);
      });
      stream.on('end', () => rest && process.stderr.write(`${rest}\n`));
    }
    let out = '';
    child.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${file} 退出码 ${code}`));
      try {
        resolve(JSON.parse(out) as BenchResult);
      } catch {
        reject(new Error(`${file} 未给出结果：${out.slice(0, 200)}`));
      }
    });
  });
}
