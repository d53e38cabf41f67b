// Continue-as-new on a real dev server told to suggest it after 40 events:
// the workflow moves to a new run carrying its state, keeps taking reports,
// and upserts its search attributes (registered on the dev server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet, report } from '../workflow/harness.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { loadConfig } from '../../lib/config.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { reassignUpdate, reportSignal, stateQuery } from '../../workflows/messages.ts';
import { searchAttributesFor } from '../../client/start/start-task-set.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';

let env: TestWorkflowEnvironment;

let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, db] = await Promise.all([
    localDevEnv(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']),
    createTestDatabase('duban_can'),
  ]);
  const config = loadConfig({ TOKEN_SECRET: 'z'.repeat(40), DUBAN_HOME: '/tmp/duban-test-home' });
  const transport = nodemailer.createTransport({ jsonTransport: true });
  const activities = createActivities({
    prisma: db.prisma,
    transport,
    config,
  });
  worker = await createWorker({ connection: env.nativeConnection, taskQueue: 'can-test', activities });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([env?.teardown(), db?.drop()]);
});

describe('continue-as-new', () => {
  it(
    'moves to a new run when the server suggests it, carrying reports, refusals and lights',
    { timeout: 120_000 },
    async () => {
      const setId = await seedTaskSet(db.prisma, {
        units: [{ name: '区发展改革委' }, { name: '区审计局' }],
        tasks: [{ seq: '5', lead: ['区发展改革委'] }],
      });
      // the real clock, read as 17 January 2022 08:59:58: the first request goes out in two seconds
      const offset = atChinaTime('2022-01-17', '08:59') + 58_000 - Date.now();
      const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs: offset });
      const handle = await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
        taskQueue: 'can-test',
        workflowId: start!.workflowId,
        args: [start!.input],
        typedSearchAttributes: searchAttributesFor(start!),
      });
      const firstRun = handle.firstExecutionRunId;
      for (let i = 0; i < 150 && !(await handle.query(stateQuery)).periods[0]!.requested; i++)
        await new Promise((r) => setTimeout(r, 200));

      // each signal adds events; refusals and duplicates too
      await handle.signal(
        reportSignal,
        report('2022-01', '区发展改革委', { key: 'ok-1', percent: 8, receivedAt: Date.now() + offset }),
      );
      for (let i = 0; i < 30; i++) {
        await handle.signal(
          reportSignal,
          report('2022-01', '区审计局', { key: `outsider-${i}`, receivedAt: Date.now() + offset }),
        );
      }
      let desc = await handle.describe();
      for (let i = 0; i < 150 && desc.runId === firstRun; i++) {
        await new Promise((r) => setTimeout(r, 200));
        desc = await env.client.workflow.getHandle(start!.workflowId).describe();
      }
      expect(desc.runId).not.toBe(firstRun);
      expect(desc.status.name).toBe('RUNNING');

      const latest = env.client.workflow.getHandle(start!.workflowId);
      const view = await latest.query(stateQuery);
      expect(view.periods[0]!.reported).toEqual({ 区发展改革委: 'ok-1' });
      expect(view.refusals).toHaveLength(30);
      // the carried state keeps idempotency: the same report again is a duplicate, not a second row
      await latest.signal(
        reportSignal,
        report('2022-01', '区发展改革委', { key: 'ok-1', percent: 8, receivedAt: Date.now() + offset }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(await db.prisma.report.count({ where: { key: 'ok-1' } })).toBe(1);
      expect(
        await db.prisma.sentMail.count({ where: { workflowId: start!.workflowId, kind: 'notice' } }),
      ).toBe(1);
      expect(
        await db.prisma.sentMail.count({ where: { workflowId: start!.workflowId, kind: 'request' } }),
      ).toBe(1);
      expect(desc.searchAttributes).toMatchObject({
        DubanTaskSet: [setId],
        DubanStatus: ['进行中'],
        DubanLight: ['green'],
      });

      // a reassignment is visible to `temporal workflow list --query` as well
      await latest.executeUpdate(reassignUpdate, {
        args: [
          {
            lead: [{ name: '区审计局', emails: ['u2@units.test'], leaderEmails: [] }],
            co: [],
            reason: '职能调整',
            by: '督查室',
          },
        ],
      });
      let attrs = (await latest.describe()).searchAttributes;
      for (let i = 0; i < 50 && attrs.DubanLeadUnit?.[0] !== '区审计局'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        attrs = (await latest.describe()).searchAttributes;
      }
      expect(attrs.DubanLeadUnit).toEqual(['区审计局']);
    },
  );
});
