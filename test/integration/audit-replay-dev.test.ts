// `duban audit replay --all` as a process against a real dev server (the only
// kind with a visibility store to list runs from): a task that continued as
// new is replayed run by run, every run of every task, with today's code; the
// use is recorded in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { report, seedTaskSet } from '../workflow/harness.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { createWorker } from '../../worker/worker.ts';
import { currentWorkflowBundle } from '../../worker/workflow-bundle.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { searchAttributesFor } from '../../client/start/start-task-set.ts';
import { loadConfig } from '../../lib/config.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;
let home: string;

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 200));
};

beforeAll(async () => {
  [env, db] = await Promise.all([
    localDevEnv(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']),
    createTestDatabase('duban_replay'),
  ]);
  home = mkdtempSync(path.join(tmpdir(), 'duban-replay-dev-'));
  const config = loadConfig({ TOKEN_SECRET: 'z'.repeat(40), DUBAN_HOME: home });
  const activities = createActivities({
    prisma: db.prisma,
    transport: nodemailer.createTransport({ jsonTransport: true }),
    config,
  });
  worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: 'replay-dev',
    activities,
    workflowBundle: await currentWorkflowBundle(),
  });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([env?.teardown(), db?.drop()]);
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('duban audit replay --all on a dev server', () => {
  it('replays every run of every task, a continued-as-new one included', { timeout: 180_000 }, async () => {
    const setId = await seedTaskSet(db.prisma, {
      units: [{ name: '区发展改革委' }, { name: '区审计局' }],
      tasks: [
        { seq: '5', lead: ['区发展改革委'] },
        { seq: '6', lead: ['区审计局'] },
      ],
    });
    const offset = atChinaTime('2022-01-17', '08:59') + 58_000 - Date.now();
    const starts = await buildTaskInputs(db.prisma, setId, { clockOffsetMs: offset });
    for (const t of starts)
      await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
        taskQueue: 'replay-dev',
        workflowId: t.workflowId,
        args: [t.input],
        typedSearchAttributes: searchAttributesFor(t),
      });
    const busy = env.client.workflow.getHandle(starts[0]!.workflowId);
    const firstRun = (await busy.describe()).runId;
    await until(async () => Boolean((await busy.query(stateQuery)).periods[0]?.requested));
    // refused reports until the server suggests continue-as-new
    for (let i = 0; i < 30; i++)
      await busy.signal(
        reportSignal,
        report('2022-01', '区审计局', { key: `x-${i}`, receivedAt: Date.now() + offset }),
      );
    await until(async () => (await busy.describe()).runId !== firstRun);
    expect((await busy.describe()).runId).not.toBe(firstRun);
    // visibility is eventually consistent: wait until the list shows all three runs
    const count = async () => {
      let n = 0;
      for await (const _ of env.client.workflow.list({ query: `WorkflowId STARTS_WITH "duban/${setId}/"` }))
        n++;
      return n;
    };
    await until(async () => (await count()) === 3);

    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(root, 'bin/duban.js'), 'audit', 'replay', '--all', '--json'],
        {
          cwd: home,
          env: {
            ...process.env,
            DUBAN_HOME: home,
            DATABASE_URL: db.url,
            TEMPORAL_ADDRESS: env.address,
            TOKEN_SECRET: 'z'.repeat(40),
          },
          timeout: 120_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.stderr).toMatch(/每秒 [\d.]+ 段历史/);
    const out = JSON.parse(r.stdout) as {
      replayed: number;
      failed: number;
      results: { workflowId: string; runId: string }[];
    };
    expect(out).toMatchObject({ replayed: 3, failed: 0 });
    expect(out.results.filter((x) => x.workflowId === starts[0]!.workflowId).map((x) => x.runId)).toContain(
      firstRun,
    );
    expect(r.code).toBe(0);
    expect(await db.prisma.auditEvent.findFirst({ where: { action: 'audit.replay' } })).toMatchObject({
      actor: `duban audit（${userInfo().username}）`,
      details: { all: true },
    });
  });
});
