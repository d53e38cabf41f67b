// Fault (c): the SMTP server down for a simulated day, on the time-skipping
// server with the real workflow, the real activities over real SMTP (the
// fault sink answers 421 while down) and PostgreSQL. The 请报送 of the month
// waits the outage out (sendMail backs off, nothing is lost, nothing sent
// twice), and Duban's own outage does not advance the units' ladder: the
// due date, and the 催办 after it, move by the working day lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { simpleParser } from 'mailparser';
import { timeSkippingEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink, type SunkMail } from '../helpers/smtp-sink.ts';
import { YEAR_START, seedTaskSet } from '../workflow/harness.ts';
import { loadConfig } from '../../lib/config.ts';
import { createTransport } from '../../lib/mail/transport.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { bundleWorkflows, createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { verifyTaskSet } from '../../client/audit/verify.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import { toIsoDate, WorkingCalendar } from '../../workflows/calendar.ts';
import { ladderFor } from '../../workflows/ladder.ts';
import type { TaskResult } from '../../workflows/state.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sink: SmtpSink;
let worker: Worker;
let running: Promise<void>;
let transport: ReturnType<typeof createTransport>;
let bundle: Awaited<ReturnType<typeof bundleWorkflows>>;
const home = mkdtempSync(path.join(tmpdir(), 'duban-outage-'));

beforeAll(async () => {
  [env, db, sink, bundle] = await Promise.all([
    timeSkippingEnv(),
    createTestDatabase('duban_outage'),
    startSmtpSink(),
    bundleWorkflows(),
  ]);
  const config = loadConfig({
    DUBAN_HOME: home,
    DATABASE_URL: db.url,
    SMTP_URL: sink.url,
    TOKEN_SECRET: 'd'.repeat(40),
  });
  transport = createTransport(config);
  worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: 'faults-outage',
    activities: createActivities({ prisma: db.prisma, config, transport }),
    workflowBundle: bundle,
  });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  transport?.close();
  await Promise.all([env?.teardown(), db?.drop(), sink?.close()]);
  rmSync(home, { recursive: true, force: true });
});

const subjectOf = async (m: SunkMail) => (await simpleParser(m.raw)).subject ?? '';

describe('fault (c): the SMTP server down for a day', () => {
  it(
    'the requests wait the outage out, once each; the ladder counts from when they went',
    { timeout: 300_000 },
    async () => {
      const setId = await seedTaskSet(db.prisma, {
        units: [
          { name: '区水务局', emails: ['swj@units.test'] },
          { name: '区园林局', emails: ['ylj@units.test'] },
          { name: '区体育局', emails: ['tyj@units.test'] },
        ],
        tasks: [
          { seq: '1', lead: ['区水务局'], deadline: '2022-03-31' },
          { seq: '2', lead: ['区园林局'], deadline: '2022-03-31' },
          { seq: '3', lead: ['区体育局'], deadline: '2022-03-31' },
        ],
      });
      const offset = YEAR_START - (await env.currentTimeMs());
      const clock = async () => (await env.currentTimeMs()) + offset;
      const advanceTo = async (at: number) => {
        const now = await clock();
        if (at > now) await env.sleep(at - now);
      };
      const starts = await buildTaskInputs(db.prisma, setId, {
        clockOffsetMs: offset,
        searchAttributes: false,
      });
      const handles = [];
      for (const s of starts)
        handles.push(
          await env.client.workflow.start('taskWorkflow', {
            taskQueue: 'faults-outage',
            workflowId: s.workflowId,
            args: [s.input],
          }),
        );
      const view = await handles[0]!.query(stateQuery);
      const january = view.periods[0]!;
      const cal = new WorkingCalendar(starts[0]!.input.calendar);
      const settings = starts[0]!.input.settings;

      // The 交办 notices go out; then the mail server goes down an hour before the requests.
      await advanceTo(january.requestAt - HOUR);
      const notices = sink.messages.length;
      expect(notices).toBe(3);
      sink.down = true;
      await advanceTo(january.requestAt + DAY);
      expect(sink.messages.length).toBe(notices);
      expect(sink.turnedAway).toBeGreaterThan(3);
      sink.down = false;
      await advanceTo(january.requestAt + DAY + 30 * 60_000);
      const requests = sink.messages.slice(notices);
      expect(requests).toHaveLength(3);
      for (const m of requests) expect(await subjectOf(m)).toContain('请报送');

      // A day lost: each unit's due date moved by one working day, on the record and in the workflow.
      const lost = cal.workingDaysBetween(toIsoDate(january.requestAt), toIsoDate(january.requestAt + DAY));
      expect(lost).toBe(1);
      const newDue = cal.addWorkingDays(january.dueOn, lost);
      const rows = await db.prisma.request.findMany({
        where: { task: { taskSetId: setId }, period: january.id },
      });
      expect(rows.map((r) => r.dueAt.toISOString().slice(0, 10))).toEqual([newDue, newDue, newDue]);

      // 区园林局 and 区体育局 report in time; 区水务局 does not.
      for (const [i, unit] of [
        [1, '区园林局'],
        [2, '区体育局'],
      ] as const) {
        await handles[i]!.signal(reportSignal, {
          key: `outage-${unit}`,
          period: january.id,
          unit,
          status: '推进中',
          percent: 30,
          text: '按计划推进。',
          channel: 'simulate',
          receivedAt: await clock(),
        });
      }
      // Where the 催办 would have fallen without the outage: nothing yet.
      const [oldRung] = ladderFor(january.dueOn, settings, cal);
      const [newRung] = ladderFor(newDue, settings, cal);
      expect(newRung!.at).toBeGreaterThan(oldRung!.at);
      await advanceTo(oldRung!.at + HOUR);
      const reminders = async () => {
        const out = [];
        for (const m of sink.messages) if ((await subjectOf(m)).includes('催办')) out.push(m);
        return out;
      };
      expect(await reminders()).toEqual([]);
      // A working day later: the 催办, to 区水务局 only.
      await advanceTo(newRung!.at + HOUR);
      const sent = await reminders();
      expect(sent.map((m) => m.to)).toEqual([['swj@units.test']]);

      // The year runs out: every task closes with a verdict; the record agrees with the histories.
      await advanceTo(Date.parse('2022-05-31T00:00:00Z'));
      for (const h of handles) {
        const result = (await h.result()) as TaskResult;
        expect(result.outcome).toBe('verdict');
      }
      const verified = await verifyTaskSet(env.client, db.prisma, setId);
      expect(verified.discrepancies).toEqual([]);
      expect(verified).toMatchObject({ tasks: 3, checked: 3, agreeing: 3 });
      expect(sink.duplicates()).toEqual([]);
      // these histories — per-mail activities, a due date moved — replay against the code
      const histories = [];
      for (const h of handles) histories.push({ workflowId: h.workflowId, history: await h.fetchHistory() });
      const replayed = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories))
        replayed.push(r.error ? `${r.workflowId}: ${String(r.error)}` : 'ok');
      expect(replayed).toEqual(['ok', 'ok', 'ok']);
      expect(await db.prisma.report.count({ where: { task: { taskSetId: setId }, accepted: true } })).toBe(2);
      expect(
        await db.prisma.sentMail.count({
          where: { workflowId: { in: starts.map((s) => s.workflowId) }, status: { not: 'sent' } },
        }),
      ).toBe(0);
    },
  );
});
