// Benchmark: wall time of `duban simulate` on the 141-task 沙坪坝 2022 year,
// with on-time replies and with none (the most mail: every ladder runs).
//   node --import tsx bench/simulate.ts [--only on-time|empty]   → JSON on stdout
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { simulateYear } from '../client/simulate/simulate.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
});

async function main() {
  const runs: Record<string, unknown> = {};
  for (const name of ['on-time', 'empty']) {
    if (values.only && values.only !== name) continue;
    const r = await simulateYear({
      tasksFile: 'data/sample/shapingba-2022/tasks.csv',
      unitsFile: 'data/sample/shapingba-2022/units.csv',
      year: 2022,
      repliesFile: `data/sample/replies/${name}.jsonl`,
    });
    runs[name] = {
      wallSeconds: Number((r.wallMs / 1000).toFixed(1)),
      tasks: r.tasks,
      mails: r.mails,
      reminders: r.reminders,
      escalations: r.escalations,
      verdicts: r.verdicts,
      activityCalls: r.activity.calls,
      activitySeconds: Number((r.activity.ms / 1000).toFixed(1)),
    };
  }
  process.stdout.write(
    JSON.stringify({ benchmark: 'simulate', cores: (await import('node:os')).cpus().length, runs }, null, 2) +
      '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`失败：${(err as Error).stack}\n`);
  process.exit(1);
});
