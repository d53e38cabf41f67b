// Records real task workflow histories for the replay test
// (test/workflow/replay.test.ts): each scenario runs with the real activities
// and PostgreSQL, and its history is saved as JSON here. Rerun only on purpose
// (the point of the stored files is that they were made by older code):
//   node --import tsx test/histories/record.ts [<scenario>…]
// (with names, only those scenarios are recorded: the others stay as they were).
//
// Two kinds of scenario. `scenarios` run on the time-skipping server (a whole
// year in seconds, but its histories carry no search attributes). `devScenarios`
// run on a real `temporal server start-dev`, as production does: Duban's search
// attributes registered and upserted, continue-as-new suggested after 40 events
// (so a busy task really moves to a new run; each run is stored as its own
// file, <name>.run-<n>.json), on the real clock read as a 2022 moment. A dev
// scenario may run the workflow code of an older commit (taken from git), to
// store the history a patched() branch replays with the patch not taken.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { bundleWorkflows, createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { searchAttributesFor } from '../../client/start/start-task-set.ts';
import { loadConfig } from '../../lib/config.ts';
import { fetchRuns } from '../../client/audit/history.ts';
import { stateQuery } from '../../workflows/messages.ts';
import type { taskWorkflow } from '../../workflows/task-workflow.ts';
import { answerEveryRequest, createHarness, report, seedTaskSet, type Harness } from '../workflow/harness.ts';
import { acknowledgeSignal, decideExtensionUpdate, officeVerdictUpdate, reassignUpdate, reportSignal, requestExtensionSignal, returnReportUpdate, suspendUpdate, resumeUpdate, withdrawUpdate } from '../../workflows/messages.ts';
import { OPEN_PERIOD } from '../../workflows/types.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

type Scenario = (h: Harness) => Promise<string>;

const scenarios: Record<string, Scenario> = {
  async 'on-time-year'(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区交通局' }, { name: '区财政局' }], tasks: [{ seq: '1', lead: ['区交通局'], co: ['区财政局'] }] });
    const [wf] = await h.start(setId);
    await answerEveryRequest(h, wf!, '区交通局', { status: '完成', percent: 100 });
    await h.env.client.workflow.getHandle(wf!).result();
    return wf!;
  },
  async 'late-unit-no-final'(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区城管局' }], tasks: [{ seq: '12', deadline: '2022-10-01', lead: ['区城管局'] }] });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-02-08', '10:00'));
    await handle.signal(reportSignal, report('2022-01', '区城管局', { receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-02-09', '10:00'));
    await handle.signal(reportSignal, report('2022-05', '区审计局', { key: 'refused', receivedAt: await h.clock() }));
    await handle.result();
    return wf!;
  },
  async 'office-actions'(h) {
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区司法局' }, { name: '区民政局' }],
      tasks: [{ seq: '20', deadline: '2022-06-30', lead: ['区司法局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-18', '10:00'));
    await handle.signal(reportSignal, report('2022-01', '区司法局', { key: 'r1', receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-01-18', '11:00'));
    await handle.executeUpdate(returnReportUpdate, { args: [{ reportKey: 'r1', reason: '内容过简', by: '督查室' }] });
    await handle.executeUpdate(reassignUpdate, {
      args: [{ lead: [{ name: '区民政局', emails: ['u2@units.test'], leaderEmails: [] }], co: [], reason: '职能调整', by: '督查室' }],
    });
    await h.advanceTo(atChinaTime('2022-02-20', '10:00'));
    await handle.executeUpdate(suspendUpdate, { args: [{ reason: '等待批复', by: '督查室' }] });
    await h.advanceTo(atChinaTime('2022-04-01', '10:00'));
    await handle.executeUpdate(resumeUpdate, { args: [{ reason: '已批复', by: '督查室' }] });
    await answerEveryRequest(h, wf!, '区民政局', { status: '完成', percent: 100 });
    await h.advanceTo(atChinaTime('2022-07-04', '10:00'));
    await handle.executeUpdate(officeVerdictUpdate, { args: [{ verdict: '部分完成', reason: '台账不全', by: '督查室' }] });
    await handle.result();
    return wf!;
  },
  // issue 9's paths (patches acknowledgement-effect, extension-effects, extension-request-refusals):
  // 签收 alone and with a report for the open period, an OPEN_PERIOD report, a 延期申请 by mail
  // refused by the rules and one taken and approved, answered in the unit's thread.
  async 'mail-conversation'(h) {
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区交通局', emails: ['jtj@units.test', 'jtj2@units.test'] }, { name: '区财政局' }],
      tasks: [{ seq: '9', deadline: '2022-06-30', lead: ['区交通局'], co: ['区财政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-04', '10:00'));
    await handle.signal(acknowledgeSignal, { unit: '区财政局', channel: 'email', receivedAt: await h.clock() });
    await h.advanceTo(atChinaTime('2022-02-16', '10:00'));
    await handle.signal(acknowledgeSignal, {
      unit: '区交通局',
      channel: 'email',
      receivedAt: await h.clock(),
      report: report(OPEN_PERIOD, '区交通局', { key: 'email:<ack@units.test>', channel: 'email', receivedAt: await h.clock() }),
    });
    await h.advanceTo(atChinaTime('2022-03-16', '10:00'));
    await handle.signal(reportSignal, report(OPEN_PERIOD, '区交通局', { key: 'email:<open@units.test>', channel: 'email', receivedAt: await h.clock() }));
    const ask = { unit: '区交通局', reason: '征地拆迁未完成', receivedAt: await h.clock(), channel: 'email' as const };
    await handle.signal(requestExtensionSignal, { ...ask, key: 'ext-early', newDeadline: '2022-05-31', inboundMessageId: '<ask-early@units.test>' });
    await handle.signal(requestExtensionSignal, { ...ask, key: 'ext-ok', newDeadline: '2022-09-30', inboundMessageId: '<ask-ok@units.test>' });
    await h.advanceTo(atChinaTime('2022-03-16', '11:00'));
    await handle.executeUpdate(decideExtensionUpdate, { args: [{ key: 'ext-ok', approve: true, by: '督查室', reason: '同意' }] });
    await answerEveryRequest(h, wf!, '区交通局', { status: '完成', percent: 100 });
    await handle.result();
    return wf!;
  },
  // The per-mail activity (patch per-mail-activity, issue 11): a wake-up's projection in one
  // applyEffects, then each mail its own sendMail. The histories above predate it.
  async 'per-mail-year'(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区交通局' }, { name: '区财政局' }], tasks: [{ seq: '3', deadline: '2022-06-30', lead: ['区交通局'], co: ['区财政局'] }] });
    const [wf] = await h.start(setId);
    await answerEveryRequest(h, wf!, '区交通局', { status: '完成', percent: 100 });
    await h.env.client.workflow.getHandle(wf!).result();
    return wf!;
  },
  async withdrawn(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区财政局' }], tasks: [{ seq: '99', lead: ['区财政局'] }] });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-03-01', '10:00'));
    await handle.executeUpdate(withdrawUpdate, { args: [{ reason: '不再单列', by: '督查室' }] });
    await handle.result();
    return wf!;
  },
};

interface DevRun {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  /** starts the set's one task with the real clock read as `at` (a 2022 moment); its workflow handle */
  start(setId: string, at: number): Promise<{ workflowId: string; offset: number }>;
  /** waits (real time) until the check passes */
  until(what: string, check: () => Promise<boolean>): Promise<void>;
}

interface DevScenario {
  /** the workflow code to run: 'current', or a commit whose workflows/ is taken from git */
  code: string;
  run(d: DevRun): Promise<string>;
}

const lead = (name: string, email: string) => ({ name, emails: [email], leaderEmails: [] });

const devScenarios: Record<string, DevScenario> = {
  // Search attributes at start and upserted; 30 refused reports make the history
  // pass 40 events, the server suggests continue-as-new and the task moves to a
  // new run carrying its state; there a reassignment takes the patch
  // lead-unit-search-attribute (marker + DubanLeadUnit upsert); then withdrawn.
  'dev-continue-as-new': {
    code: 'current',
    async run(d) {
      const setId = await seedTaskSet(d.db.prisma, {
        units: [{ name: '区发展改革委' }, { name: '区审计局' }],
        tasks: [{ seq: '5', lead: ['区发展改革委'] }],
      });
      const { workflowId, offset } = await d.start(setId, atChinaTime('2022-01-17', '08:59') + 58_000);
      const first = d.env.client.workflow.getHandle(workflowId);
      const firstRun = (await first.describe()).runId;
      await d.until('第一次请报', async () => Boolean((await first.query(stateQuery)).periods[0]?.requested));
      await first.signal(reportSignal, report('2022-01', '区发展改革委', { key: 'ok-1', percent: 8, receivedAt: Date.now() + offset }));
      for (let i = 0; i < 30; i++)
        await first.signal(reportSignal, report('2022-01', '区审计局', { key: `outsider-${i}`, receivedAt: Date.now() + offset }));
      await d.until('续新运行', async () => (await d.env.client.workflow.getHandle(workflowId).describe()).runId !== firstRun);
      const latest = d.env.client.workflow.getHandle(workflowId);
      await latest.executeUpdate(reassignUpdate, {
        args: [{ lead: [lead('区审计局', 'sjj@units.test')], co: [], reason: '职能调整', by: '督查室' }],
      });
      await d.until('DubanLeadUnit', async () => (await latest.describe()).searchAttributes.DubanLeadUnit?.[0] === '区审计局');
      await latest.executeUpdate(withdrawUpdate, { args: [{ reason: '不再单列', by: '督查室' }] });
      await latest.result();
      return workflowId;
    },
  },
  // The same reassignment, run by the workflow code of before the patch
  // lead-unit-search-attribute existed (commit 4de834f's parent): no marker, no
  // DubanLeadUnit upsert. Today's code must replay it with the patch not taken.
  'dev-reassign-before-patch': {
    code: '4de834f^',
    async run(d) {
      const setId = await seedTaskSet(d.db.prisma, {
        units: [{ name: '区司法局' }, { name: '区民政局' }],
        tasks: [{ seq: '20', lead: ['区司法局'] }],
      });
      const { workflowId, offset } = await d.start(setId, atChinaTime('2022-01-17', '08:59') + 58_000);
      const handle = d.env.client.workflow.getHandle(workflowId);
      await d.until('第一次请报', async () => Boolean((await handle.query(stateQuery)).periods[0]?.requested));
      await handle.signal(reportSignal, report('2022-01', '区司法局', { key: 'sfj-1', percent: 10, receivedAt: Date.now() + offset }));
      await handle.executeUpdate(reassignUpdate, {
        args: [{ lead: [lead('区民政局', 'mzj@units.test')], co: [], reason: '职能调整', by: '督查室' }],
      });
      await handle.executeUpdate(withdrawUpdate, { args: [{ reason: '不再单列', by: '督查室' }] });
      await handle.result();
      return workflowId;
    },
  },
};

/** workflows/ as it was at `commit`, bundled (extracted next to today's, so node_modules resolves). */
async function bundleAt(commit: string) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const dir = path.join(root, `.record-workflows-${commit.replace(/\W/g, '_')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const tar = execFileSync('git', ['archive', commit, 'workflows'], { cwd: root, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    return await bundleWorkflowCode({ workflowsPath: path.join(dir, 'workflows/index.ts'), logger: quiet });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => process.stderr.write(`${m}\n`) };

async function recordDev(only: string[]) {
  const chosen = Object.entries(devScenarios).filter(([name]) => !only.length || only.includes(name));
  if (!chosen.length) return;
  const [env, db] = await Promise.all([
    localDevEnv(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']),
    createTestDatabase('duban_record'),
  ]);
  const config = loadConfig({ TOKEN_SECRET: 'z'.repeat(40), DUBAN_HOME: '/tmp/duban-test-home' });
  const activities = createActivities({ prisma: db.prisma, transport: nodemailer.createTransport({ jsonTransport: true }), config });
  try {
    for (const [name, scenario] of chosen) {
      const taskQueue = `record-${name}`;
      const workflowBundle = scenario.code === 'current' ? await bundleWorkflows() : await bundleAt(scenario.code);
      const worker: Worker = await createWorker({ connection: env.nativeConnection, taskQueue, activities, workflowBundle });
      const running = worker.run();
      try {
        const d: DevRun = {
          env,
          db,
          async start(setId, at) {
            const offset = at - Date.now();
            const [t] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs: offset });
            await env.client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
              taskQueue,
              workflowId: t!.workflowId,
              args: [t!.input],
              typedSearchAttributes: searchAttributesFor(t!),
            });
            return { workflowId: t!.workflowId, offset };
          },
          async until(what, check) {
            for (let i = 0; i < 300; i++) {
              if (await check()) return;
              await new Promise((r) => setTimeout(r, 200));
            }
            throw new Error(`等待「${what}」超时`);
          },
        };
        const workflowId = await scenario.run(d);
        const runs = await fetchRuns(env.client, workflowId);
        for (const [i, r] of runs.entries()) {
          const file = path.join(here, runs.length > 1 ? `${name}.run-${i + 1}.json` : `${name}.json`);
          await writeFile(file, JSON.stringify({ workflowId, runId: r.runId, recordedAt: new Date().toISOString(), server: 'temporal server start-dev', workflowCode: scenario.code, history: JSON.parse(historyToJSON(r.history as never)) }, null, 1) + '\n');
          process.stderr.write(`${name}: run ${i + 1}/${runs.length}, ${r.history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}\n`);
        }
      } finally {
        worker.shutdown();
        await running;
      }
    }
  } finally {
    await Promise.all([env.teardown(), db.drop()]);
  }
}

async function main() {
  const only = process.argv.slice(2);
  await recordDev(only);
  if (only.length && !only.some((n) => n in scenarios)) return;
  const h = await createHarness();
  try {
    for (const [name, run] of Object.entries(scenarios)) {
      if (only.length && !only.includes(name)) continue;
      await h.begin();
      const wf = await run(h);
      const history = await h.env.client.workflow.getHandle(wf).fetchHistory();
      const file = path.join(here, `${name}.json`);
      await writeFile(file, JSON.stringify({ workflowId: wf, recordedAt: new Date().toISOString(), history: JSON.parse(historyToJSON(history)) }, null, 1) + '\n');
      process.stderr.write(`${name}: ${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}\n`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  process.stderr.write(`失败：${(err as Error).stack}\n`);
  process.exit(1);
});
