// The `duban` CLI as a person or a script runs it: `node bin/duban.js …` in a
// child process (the `./duban` wrapper adds only scripts/setup.sh, a no-op
// once installed), its exit code, stdout and stderr. One helper for the test
// files that used to define their own.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inParallel } from '../../lib/parallel.ts';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const dubanBin = path.join(projectRoot, 'bin/duban.js');

export interface CliRun {
  /** the exit code; -1 when killed (timeout) */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** added to this process's environment; a value undefined removes the variable */
  env?: Record<string, string | undefined>;
  /** the working directory (default: the project root) */
  cwd?: string;
  /** written to standard input, which is then closed */
  input?: string;
  /** killed after this long (default 120 s); the run then has code -1 */
  timeoutMs?: number;
}

export function duban(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [dubanBin, ...args], {
      cwd: options.cwd ?? projectRoot,
      env,
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Independent CLI cases two at a time, results in the order given: each start
 * is ~1 s of CPU on this 2-core machine, and a case waiting on a server (or
 * on a connection that fails after its timeout) leaves a core to the other.
 */
export async function dubanEach<T>(cases: readonly T[], run: (c: T) => Promise<CliRun>): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  await inParallel(cases, 2, async (c, i) => {
    runs[i] = await run(c);
  });
  return runs;
}
