// Every benchmark in one run (`npm run bench`, through bench/bench.sh): each
// in its own child (bench/lib.ts), one after the other so they do not share
// the cores, a progress line on stderr while it runs; then one table —
// figure | Duban | baseline (same run) | ratio = Duban ÷ baseline (higher is
// better) | goal | met — on stdout, and the same as JSON in
// bench/results/latest.json.
//   node --import tsx bench/run.ts [--only rehearsal,import,start,city,intake] [--quick]
//        [--tasks 5000] [--replies 5000] [--worker-replies 1000] [--workers 1,2] [--json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChild, type BenchResult, type Figure } from './lib.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    tasks: { type: 'string' },
    replies: { type: 'string' },
    'worker-replies': { type: 'string' },
    workers: { type: 'string', default: '1,2' },
    json: { type: 'boolean', default: false },
  },
});
// --quick: a smoke test of every benchmark in a few minutes (sizes too small to judge goals by)
const tasks = values.tasks ?? (values.quick ? '200' : '5000');
const replies = values.replies ?? (values.quick ? '200' : '5000');
// the intake by 1 and 2 `duban worker` processes: each round starts its own task set
const workerReplies = values['worker-replies'] ?? (values.quick ? '100' : '1000');

const BENCHMARKS: Record<string, { file: string; args: string[] }> = {
  rehearsal: { file: 'rehearsal.ts', args: [] },
  import: { file: 'import.ts', args: ['--tasks', tasks] },
  start: { file: 'start.ts', args: ['--tasks', tasks] },
  city: { file: 'city.ts', args: ['--tasks', tasks, '--workers', values.workers!] },
  intake: {
    file: 'intake.ts',
    args: ['--replies', replies, '--worker-replies', workerReplies, '--workers', values.workers!],
  },
};
const only = values.only?.split(',').map((s) => s.trim());
for (const name of only ?? []) {
  if (!BENCHMARKS[name]) {
    process.stderr.write(`没有名为「${name}」的基准；可选：${Object.keys(BENCHMARKS).join('、')}\n`);
    process.exit(2);
  }
}

const startedAt = new Date();
const results: (BenchResult | { benchmark: string; error: string })[] = [];
for (const [name, b] of Object.entries(BENCHMARKS)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`[bench] ${name} 开始（${b.args.join(' ') || '默认规模'}）\n`);
  const t0 = Date.now();
  try {
    results.push(await runChild(fileURLToPath(new URL(b.file, import.meta.url)), b.args));
    process.stderr.write(`[bench] ${name} 完成，用时 ${Math.round((Date.now() - t0) / 1000)} 秒\n`);
  } catch (err) {
    process.stderr.write(`[bench] ${name} 失败：${(err as Error).message}\n`);
    results.push({ benchmark: name, error: (err as Error).message });
  }
}

const figures: Figure[] = results.flatMap((r) => ('figures' in r ? r.figures : []));
const fmt = (x: number | null) => (x === null ? '—' : String(x));
const rows = [
  ['figure', 'Duban', 'baseline (same run)', 'ratio = Duban ÷ baseline', 'goal', 'met?'],
  ...figures.map((f) => [
    f.figure,
    `${fmt(f.duban)} ${f.unit}`,
    f.baseline === null ? '—' : `${f.baseline} ${f.unit}`,
    fmt(f.ratio),
    f.goal,
    f.met === null ? '—' : f.met ? 'yes' : 'NO',
  ]),
];
const table = [
  `| ${rows[0]!.join(' | ')} |`,
  `|${rows[0]!.map(() => ' --- ').join('|')}|`,
  ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const failed = results.filter((r): r is { benchmark: string; error: string } => 'error' in r);

const doc = {
  startedAt: startedAt.toISOString(),
  seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: {
    cpus: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  sizes: {
    quick: values.quick,
    tasks: Number(tasks),
    replies: Number(replies),
    workerReplies: Number(workerReplies),
    workers: values.workers,
  },
  ratio:
    'Duban ÷ baseline, both rates measured in the same run; higher is better, 1 = as fast as the bare path',
  figures,
  failed,
  details: results,
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/latest.json', import.meta.url), JSON.stringify(doc, null, 2) + '\n');
process.stdout.write(values.json ? JSON.stringify(doc, null, 2) + '\n' : `${table}\n`);
if (!values.json) {
  process.stderr.write(
    `\n${cpus().length} 核，负载 ${doc.machine.loadAverageAtEnd.join(' / ')}；用时 ${doc.seconds} 秒；结果已写入 bench/results/latest.json\n`,
  );
  for (const f of failed) process.stderr.write(`未能测出：${f.benchmark}（${f.error}）\n`);
}
process.exitCode = failed.length ? 1 : 0;
