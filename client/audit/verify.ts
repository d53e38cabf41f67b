// `duban audit verify`: does the database tell the same story as the
// histories? Each task workflow does its side effects through one activity,
// applyEffects, whose inputs are in the history; from the batches that
// completed we rebuild what the database must hold (the task's state and
// light, every report with its acceptance, every 催办/督办, every light
// change, the verdict) and compare it row by row with what it does hold.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../lib/db.ts';
import type { Effect, EffectBatch, SendMailInput } from '../../workflows/effects.ts';
import { completedActivityInputs, fetchRuns, EventType, decodePayloads, type Run } from './history.ts';

export interface Discrepancy {
  workflowId: string;
  seq: string;
  /** what differs, in Chinese */
  what: string;
  history: unknown;
  database: unknown;
}

export interface VerifyResult {
  taskSetId: string;
  tasks: number;
  checked: number;
  agreeing: number;
  notStarted: number;
  discrepancies: Discrepancy[];
  /** mails the history ordered that have no sent-mail row (e.g. a unit without an address) */
  mailsOrdered: number;
  mailsRecorded: number;
}

interface Expected {
  task?: Extract<Effect, { type: 'task' }>;
  verdict?: Extract<Effect, { type: 'verdict' }>;
  reports: Map<string, Extract<Effect, { type: 'report' }>>;
  /** key → when (epoch ms) */
  escalations: Map<string, number>;
  lights: Map<string, number>;
  mailSteps: Set<string>;
  deadline?: string;
}

function expectedFrom(batches: EffectBatch[]): Expected {
  const e: Expected = { reports: new Map(), escalations: new Map(), lights: new Map(), mailSteps: new Set() };
  for (const batch of batches) {
    for (const effect of batch.effects) {
      switch (effect.type) {
        case 'task':
          e.task = effect;
          break;
        case 'verdict':
          e.verdict = effect;
          break;
        case 'report':
          if (!e.reports.has(effect.report.key)) e.reports.set(effect.report.key, effect);
          break;
        case 'escalation':
          if (!e.escalations.has(effect.key)) e.escalations.set(effect.key, effect.at);
          break;
        case 'light':
          if (!e.lights.has(effect.key)) e.lights.set(effect.key, effect.at);
          break;
        case 'mail':
          e.mailSteps.add(`${batch.workflowId}/${effect.mail.step}`);
          break;
        case 'extended':
          e.deadline = effect.deadline;
          break;
        default:
          break;
      }
    }
  }
  return e;
}

const setDiff = (a: Iterable<string>, b: { has(x: string): boolean }) => [...a].filter((x) => !b.has(x));

/** A moment as people read it: China time to the second. */
export const chinaTime = (ms: number) =>
  new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function verifyTaskSet(
  client: Client,
  prisma: PrismaClient,
  taskSetId: string,
  onProgress?: (done: number, total: number) => void,
  options: {
    /** only this task's workflow */
    workflowId?: string;
    /** how to get a workflow's runs (the export hands over those it fetched) */
    runsOf?: (workflowId: string) => Promise<Run[]>;
  } = {},
): Promise<VerifyResult> {
  const runsOf = options.runsOf ?? ((id: string) => fetchRuns(client, id));
  const tasks = await prisma.task.findMany({
    where: { taskSetId, ...(options.workflowId ? { workflowId: options.workflowId } : {}) },
    include: { verdict: true, reports: true, escalations: true, lightChanges: true },
    orderBy: { id: 'asc' },
  });
  const result: VerifyResult = {
    taskSetId,
    tasks: tasks.length,
    checked: 0,
    agreeing: 0,
    notStarted: 0,
    discrepancies: [],
    mailsOrdered: 0,
    mailsRecorded: 0,
  };
  let done = 0;
  for (const t of tasks) {
    const found: Discrepancy[] = [];
    const differ = (what: string, history: unknown, database: unknown) =>
      found.push({ workflowId: t.workflowId, seq: t.seq, what, history, database });
    let runs: Run[];
    try {
      runs = await runsOf(t.workflowId);
    } catch {
      runs = [];
    }
    if (runs.length === 0) {
      if (t.state !== '未启动') differ('数据库显示已启动，但 Temporal 中没有该工作流', null, t.state);
      else result.notStarted++;
      onProgress?.(++done, tasks.length);
      if (found.length) result.discrepancies.push(...found);
      continue;
    }
    result.checked++;
    const batches = runs.flatMap((r) => [
      ...completedActivityInputs(r.history, 'applyEffects').map((args) => args[0] as EffectBatch),
      // since patch 'per-mail-activity' each mail is its own sendMail
      ...completedActivityInputs(r.history, 'sendMail').map((args) => {
        const one = args[0] as SendMailInput;
        return { workflowId: one.workflowId, task: one.task, effects: [{ type: 'mail', mail: one.mail }] };
      }),
    ]) as EffectBatch[];
    const e = expectedFrom(batches);
    const [input] = decodePayloads(
      runs[0]!.history.events?.[0]?.workflowExecutionStartedEventAttributes?.input,
    ) as [{ deadline?: string } | undefined];
    const deadline = e.deadline ?? input?.deadline;
    if (deadline && deadline !== isoDay(t.deadline)) differ('完成时限不一致', deadline, isoDay(t.deadline));

    if (e.task) {
      if (e.task.light !== t.light) differ('亮灯不一致', e.task.light, t.light);
      if (!e.verdict && e.task.state !== t.state) differ('任务状态不一致', e.task.state, t.state);
      if ((e.task.lastReport ?? null) !== (t.lastReport ?? null))
        differ('最近报告不一致', e.task.lastReport, t.lastReport);
    }
    if (e.verdict) {
      if (!t.verdict) differ('历史中已评定，数据库无评定记录', e.verdict.final, null);
      else {
        if (t.verdict.final !== e.verdict.final) differ('评定结果不一致', e.verdict.final, t.verdict.final);
        if (t.verdict.proposed !== e.verdict.proposed)
          differ('拟定结果不一致', e.verdict.proposed, t.verdict.proposed);
        if (t.verdict.decidedBy !== e.verdict.decidedBy)
          differ('评定方式不一致', e.verdict.decidedBy, t.verdict.decidedBy);
        if (t.verdict.decidedAt.getTime() !== e.verdict.at)
          differ('评定时间不一致', chinaTime(e.verdict.at), chinaTime(t.verdict.decidedAt.getTime()));
      }
      if (t.state !== '已办结') differ('历史中已办结，数据库状态不同', '已办结', t.state);
    } else if (t.verdict) {
      differ('数据库有评定记录，历史中没有', null, t.verdict.final);
    }
    // The workflow's own result, when it has completed, must be the verdict in the database.
    const last = runs[runs.length - 1]!;
    const completed = (last.history.events ?? []).find(
      (ev) => ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
    if (completed) {
      const [res] = decodePayloads(completed.workflowExecutionCompletedEventAttributes?.result) as [
        { verdict?: { final?: string; verdict?: string } } | undefined,
      ];
      const final = res?.verdict?.final ?? res?.verdict?.verdict;
      if (final && t.verdict && final !== t.verdict.final)
        differ('工作流结果与数据库评定不一致', final, t.verdict.final);
    }

    const dbReports = new Map(t.reports.map((r) => [r.key, r]));
    for (const [key, r] of e.reports) {
      const row = dbReports.get(key);
      if (!row)
        differ(
          `报告 ${key} 在数据库中缺失`,
          { unit: r.report.unit, period: r.report.period, accepted: r.accepted },
          null,
        );
      else if (
        row.accepted !== r.accepted ||
        row.status !== r.report.status ||
        row.period !== r.report.period ||
        row.unitName !== r.report.unit
      ) {
        differ(
          `报告 ${key} 内容不一致`,
          { unit: r.report.unit, period: r.report.period, status: r.report.status, accepted: r.accepted },
          { unit: row.unitName, period: row.period, status: row.status, accepted: row.accepted },
        );
      } else if (row.receivedAt.getTime() !== r.report.receivedAt) {
        differ(
          `报告 ${key}（${r.report.unit}，${r.report.period}）收到时间不一致`,
          chinaTime(r.report.receivedAt),
          chinaTime(row.receivedAt.getTime()),
        );
      }
    }
    for (const key of setDiff(new Set(dbReports.keys()), new Set(e.reports.keys()))) {
      const row = dbReports.get(key)!;
      // A refusal recorded outside the workflow (an update refused by its validator never reaches the history) is expected.
      if (row.accepted)
        differ(`数据库中有已采纳的报告 ${key}，历史中没有`, null, { unit: row.unitName, period: row.period });
    }
    const dbEsc = new Map(t.escalations.map((x) => [x.key, x.at.getTime()]));
    for (const k of setDiff(e.escalations.keys(), dbEsc)) differ('催办/督办记录在数据库中缺失', k, null);
    for (const k of setDiff(dbEsc.keys(), e.escalations)) differ('数据库中多出催办/督办记录', null, k);
    for (const [k, at] of e.escalations)
      if (dbEsc.has(k) && dbEsc.get(k) !== at)
        differ(`催办/督办 ${k} 时间不一致`, chinaTime(at), chinaTime(dbEsc.get(k)!));
    const dbLights = new Map(t.lightChanges.map((x) => [x.key, x.at.getTime()]));
    for (const k of setDiff(e.lights.keys(), dbLights)) differ('亮灯变化记录在数据库中缺失', k, null);
    for (const k of setDiff(dbLights.keys(), e.lights)) differ('数据库中多出亮灯变化记录', null, k);
    for (const [k, at] of e.lights)
      if (dbLights.has(k) && dbLights.get(k) !== at)
        differ(`亮灯变化 ${k} 时间不一致`, chinaTime(at), chinaTime(dbLights.get(k)!));

    result.mailsOrdered += e.mailSteps.size;
    if (e.mailSteps.size) {
      result.mailsRecorded += await prisma.sentMail.count({ where: { key: { in: [...e.mailSteps] } } });
    }
    if (found.length === 0) result.agreeing++;
    result.discrepancies.push(...found);
    onProgress?.(++done, tasks.length);
  }
  return result;
}
