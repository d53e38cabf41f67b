// The fault suite's stack, every part real: a Temporal dev server on a
// SQLite file (stopped and restarted on it by a case), a fresh PostgreSQL
// database, the fault sink counting Message-IDs, and `duban worker` as
// child processes that a case SIGKILLs. A case seeds a small task set
// (a few tasks due this week, so the whole life of a task — 交办, the final
// 请报送, the report, the office's 评定, the verdict mail — runs in seconds
// on the real clock) and ends with checkEnd(): `duban audit verify` clean,
// every task closed with its verdict, no report lost, no Message-ID twice
// at the SMTP peer, no mail left reserved.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { connectClient } from '../../lib/temporal.ts';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../client/up/temporal-dev-server.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { bundleAndKeep, findPrebuiltBundle } from '../../worker/workflow-bundle.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { officeVerdictUpdate, reportSignal, stateQuery } from '../../workflows/messages.ts';
import type { TaskResult } from '../../workflows/state.ts';

const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workflows' clock: Tuesday 25 January 2022, 10:00, a working day inside the sending hours. */
export const CLOCK_AT = atChinaTime('2022-01-25', '10:00');

export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

export interface FaultStack {
  home: string;
  config: Config;
  /** the environment a duban process of this stack runs with */
  vars: Record<string, string>;
  db: TestDatabase;
  sink: SmtpSink;
  temporal: EmbeddedTemporal;
  client: Client;
  /** stops the Temporal dev server (SIGKILL: no goodbye) and starts it again on the same SQLite file */
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  startWorker(queue: string): Promise<WorkerProcess>;
  duban(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** The stack; `database`: another database than a fresh one on the machine's PostgreSQL (fault d). */
export async function startFaultStack(
  database?: Promise<TestDatabase>,
  extraVars: Record<string, string> = {},
): Promise<FaultStack> {
  const home = mkdtempSync(path.join(tmpdir(), 'duban-faults-'));
  const [db, sink, port, uiPort] = await Promise.all([
    database ?? createTestDatabase('duban_faults'),
    startSmtpSink(),
    freePort(),
    freePort(),
    // the workers start from the prebuilt bundle of these sources, not bundling each time
    findPrebuiltBundle().fresh ? undefined : bundleAndKeep(),
  ]);
  const vars: Record<string, string> = {
    DUBAN_HOME: home,
    DATABASE_URL: db.url,
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(uiPort),
    SMTP_URL: sink.url,
    TOKEN_SECRET: 'f'.repeat(40),
    WORKER_MAX_CACHED_WORKFLOWS: '50',
    WORKER_MAX_CONCURRENT_ACTIVITIES: '2',
    ...extraVars,
  };
  const embeddedConfig = loadConfig(vars);
  let temporal = await startEmbeddedTemporal(embeddedConfig);
  vars.TEMPORAL_ADDRESS = temporal.address;
  const config = loadConfig(vars);
  const client = await connectClient(config);
  const workers: WorkerProcess[] = [];
  const stack: FaultStack = {
    home,
    config,
    vars,
    db,
    sink,
    get temporal() {
      return temporal;
    },
    client,
    async stopTemporal() {
      const gone = new Promise<void>((r) => temporal.process.once('exit', () => r()));
      temporal.process.kill('SIGKILL');
      await gone;
    },
    async startTemporal() {
      temporal = await startEmbeddedTemporal(embeddedConfig);
    },
    async startWorker(queue) {
      const child = spawn(process.execPath, [bin, 'worker'], {
        env: { ...process.env, ...vars, TEMPORAL_TASK_QUEUE: queue },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.stdout!.on('data', () => undefined);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const w: WorkerProcess = {
        child,
        stderr: () => stderr,
        exited,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
      workers.push(w);
      const started = Date.now();
      while (!stderr.includes('worker 已启动')) {
        if (child.exitCode !== null) throw new Error(`duban worker exited early:\n${stderr}`);
        if (Date.now() - started > 90_000) throw new Error(`no start line in 90 s:\n${stderr}`);
        await sleep(50);
      }
      return w;
    },
    duban(args) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], {
          env: { ...process.env, ...vars },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    },
    async close() {
      for (const w of workers) await w.kill();
      await client.connection.close().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await Promise.all([db.drop(), sink.close()]);
      rmSync(home, { recursive: true, force: true });
    },
  };
  return stack;
}

export interface FaultCase {
  setId: string;
  workflowIds: string[];
  units: string[];
  /** mails each task sends before its verdict: the 交办 notice and the final 请报送 */
  mailsBeforeVerdict: number;
}

/** n tasks due Friday 28 January 2022, each with its own lead unit, started on `queue`. */
export async function startCase(stack: FaultStack, queue: string, n: number): Promise<FaultCase> {
  const units = Array.from({ length: n }, (_, i) => `区第${i + 1}局`);
  const setId = await seedTaskSet(stack.db.prisma, {
    units: units.map((name, i) => ({ name, emails: [`u${i + 1}@units.test`] })),
    tasks: units.map((name, i) => ({ seq: String(i + 1), lead: [name], deadline: '2022-01-28' })),
  });
  const clockOffsetMs = CLOCK_AT - Date.now();
  const starts = await buildTaskInputs(stack.db.prisma, setId, { clockOffsetMs, searchAttributes: false });
  for (const s of starts) {
    await stack.client.workflow.start('taskWorkflow', {
      taskQueue: queue,
      workflowId: s.workflowId,
      args: [s.input],
    });
  }
  return { setId, workflowIds: starts.map((s) => s.workflowId), units, mailsBeforeVerdict: 2 };
}

/** Waits until `check` holds (polling), or fails naming `what`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 240_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${timeoutMs / 1000} 秒内未等到：${what}`);
    await sleep(200);
  }
}

/** Each unit reports its task done (as the inbox would signal it), then the office confirms the verdict. */
export async function reportAndClose(stack: FaultStack, c: FaultCase): Promise<TaskResult[]> {
  await reportAll(stack, c);
  return closeAll(stack, c);
}

/** Each unit's final report, as the inbox would signal it, once the final request is out. */
export async function reportAll(stack: FaultStack, c: FaultCase): Promise<void> {
  for (const [i, id] of c.workflowIds.entries()) {
    const handle = stack.client.workflow.getHandle(id);
    let now = 0;
    await until(`${id} 的最终报告已请报`, async () => {
      const view = await handle.query(stateQuery);
      now = view.now;
      return view.periods.some((p) => p.final && p.requested);
    });
    await handle.signal(reportSignal, {
      key: `fault-${c.setId}-${i + 1}`,
      period: 'final',
      unit: c.units[i]!,
      status: '完成',
      percent: 100,
      text: '已全部完成。',
      channel: 'simulate',
      receivedAt: now,
    });
  }
}

/** The office confirms each task's proposed verdict once its report is in; the workflows' results. */
export async function closeAll(stack: FaultStack, c: FaultCase): Promise<TaskResult[]> {
  for (const id of c.workflowIds) {
    const handle = stack.client.workflow.getHandle(id);
    await until(`${id} 已收到报告`, async () => {
      const view = await handle.query(stateQuery);
      return view.periods.some((p) => p.final && Object.keys(p.reported).length > 0);
    });
    await handle.executeUpdate(officeVerdictUpdate, { args: [{ by: '督查室' }] });
  }
  const results: TaskResult[] = [];
  for (const id of c.workflowIds)
    results.push((await stack.client.workflow.getHandle(id).result()) as TaskResult);
  return results;
}

/** The bar for every fault: the record agrees, every task closed, nothing lost, nothing twice. */
export async function checkEnd(stack: FaultStack, c: FaultCase, results: TaskResult[]): Promise<void> {
  const { prisma } = stack.db;
  for (const r of results) expect(r).toMatchObject({ outcome: 'verdict', verdict: { final: '完成' } });
  const tasks = await prisma.task.findMany({ where: { taskSetId: c.setId }, include: { verdict: true } });
  expect(tasks.map((t) => [t.state, t.verdict?.final])).toEqual(c.workflowIds.map(() => ['已办结', '完成']));
  // 0 lost reports: one accepted report per task, on the record
  expect(await prisma.report.count({ where: { task: { taskSetId: c.setId }, accepted: true } })).toBe(
    c.workflowIds.length,
  );
  // 0 duplicate mails at the SMTP peer; no mail left reserved; what the record calls sent, the peer has
  expect(stack.sink.duplicates()).toEqual([]);
  const mails = await prisma.sentMail.findMany({ where: { workflowId: { in: c.workflowIds } } });
  expect(mails.filter((m) => m.status === 'sending')).toEqual([]);
  const atPeer = new Set(stack.sink.messages.map((m) => m.messageId));
  expect(mails.filter((m) => m.status === 'sent' && !atPeer.has(m.messageId))).toEqual([]);
  for (const id of c.workflowIds)
    expect(mails.filter((m) => m.workflowId === id && m.kind !== 'verdict').length).toBe(
      c.mailsBeforeVerdict,
    );
  const by = (status: string) => mails.filter((m) => m.status === status).length;
  process.stderr.write(
    `fault case ${c.setId}: ${mails.length} mails on record (sent ${by('sent')}, uncertain ${by('uncertain')}, failed ${by('failed')}), ${stack.sink.messages.length} at the peer so far, 0 duplicates\n`,
  );
  // `duban audit verify`, the auditor's own command, finds the database telling the histories' story
  const verify = await stack.duban(['audit', 'verify', c.setId]);
  expect(verify.stdout + verify.stderr).toContain('数据库与历史一致');
  expect(verify.code).toBe(0);
}
