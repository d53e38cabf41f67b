// Issue 4's benchmark in one run: the rate of `duban start` for a synthetic
// 5,000-task set against bare starts of an empty workflow on the same dev
// server (the ratio is the figure), then the wall time of simulating the
// 141-task sample year with on-time replies. Each part runs in its own child
// (bench/start.ts, bench/simulate.ts) so their Temporal runtimes and servers
// do not share a process; their JSON comes back on pipes.
//   npx tsx bench/workflow.ts [--tasks 5000]   → one JSON document on stdout
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function runPart(script: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} 退出码 ${code}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${script} 的输出不是 JSON：${out.slice(0, 200)}`));
      }
    });
  });
}

const started = Date.now();
const start = await runPart('./start.ts', process.argv.slice(2));
const simulate = await runPart('./simulate.ts', ['--only', 'on-time']);
process.stdout.write(
  JSON.stringify(
    { benchmark: 'workflow', wallSeconds: Math.round((Date.now() - started) / 1000), start, simulate },
    null,
    2,
  ) + '\n',
);
