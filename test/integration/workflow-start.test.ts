// `duban start` against a real Temporal dev server and PostgreSQL: one
// workflow per task with Duban's search attributes; a second run starts nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { duban, dubanEach } from '../helpers/cli.ts';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { startTaskSet } from '../../client/start/start-task-set.ts';
import { loadConfig } from '../../lib/config.ts';

let env: TestWorkflowEnvironment;

let db: TestDatabase;

beforeAll(async () => {
  [env, db] = await Promise.all([localDevEnv(), createTestDatabase('duban_start')]);
}, 120_000);
afterAll(async () => {
  await Promise.all([env?.teardown(), db?.drop()]);
});

describe('duban start', () => {
  it('starts one workflow per task with search attributes, and a second run starts nothing', async () => {
    const setId = await seedTaskSet(db.prisma, {
      units: [{ name: '区交通局' }, { name: '区财政局' }],
      tasks: [
        { seq: 'T1', category: '预期目标', lead: ['区交通局'] },
        { seq: '2', lead: ['区交通局', '区财政局'] },
        { seq: '3', lead: ['区财政局'], co: ['区交通局'] },
      ],
    });
    const cliEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TOKEN_SECRET: 'y'.repeat(40),
      TEMPORAL_TASK_QUEUE: 'start-test-no-worker',
    };
    const first = await duban(['start', setId, '--json'], { env: cliEnv });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ taskSetId: setId, tasks: 3, started: 3, alreadyStarted: 0 });
    expect(first.stderr).toContain('已启动 3 项');

    const again = await startTaskSet(env.client, db.prisma, setId, loadConfig({ ...cliEnv }));
    expect(again).toMatchObject({ tasks: 3, started: 0, alreadyStarted: 3 });

    const tasks = await db.prisma.task.findMany({ where: { taskSetId: setId } });
    expect(tasks.map((t) => t.state)).toEqual(['进行中', '进行中', '进行中']);

    // visibility is eventually consistent: poll briefly
    let ids: string[] = [];
    for (let i = 0; i < 50 && ids.length < 1; i++) {
      ids = [];
      for await (const w of env.client.workflow.list({
        query: `DubanTaskSet = "${setId}" AND DubanLeadUnit = "区财政局"`,
      }))
        ids.push(w.workflowId);
      if (!ids.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids.sort()).toEqual([`duban/${setId}/2`, `duban/${setId}/3`]);
    const desc = await env.client.workflow.getHandle(`duban/${setId}/T1`).describe();
    expect(desc.searchAttributes).toMatchObject({
      DubanCategory: ['预期目标'],
      DubanYear: [2022],
      DubanLight: ['green'],
    });

    // duban status reads the projection
    const [status, statusAll] = await dubanEach([[setId], []], (args) =>
      duban(['status', ...args, '--json'], { env: cliEnv }),
    );
    const view = JSON.parse(status!.stdout) as {
      tasks: number;
      byState: Record<string, number>;
      rows: { seq: string; leadUnits: string[]; light: string }[];
    };
    expect(view.tasks).toBe(3);
    expect(view.byState).toEqual({ 进行中: 3 });
    expect(view.rows.map((r) => [r.seq, r.leadUnits, r.light])).toEqual([
      ['T1', ['区交通局'], 'green'],
      ['2', ['区交通局', '区财政局'], 'green'],
      ['3', ['区财政局'], 'green'],
    ]);
    const all = JSON.parse(statusAll!.stdout) as { taskSets: { taskSetId: string }[] };
    expect(all.taskSets.map((s) => s.taskSetId)).toContain(setId);
  });

  it('refuses an unknown task set with exit code 2', async () => {
    const cliEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TOKEN_SECRET: 'y'.repeat(40),
    };
    const err = await duban(['start', 'no-such-set', '--json'], { env: cliEnv });
    expect(err.code).toBe(2);
    expect(JSON.parse(err.stdout)).toMatchObject({
      kind: 'BadInput',
      taskSetId: 'no-such-set',
      error: expect.stringContaining('没有任务集「no-such-set」'),
    });
  });
});
