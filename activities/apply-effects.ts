// The task workflow's side effects: the read model in the database and the
// mails. `applyEffects` writes one wake-up's projection in ONE transaction
// (all of it or none of it); `sendMail` sends one mail, so each mail has its
// own retries and a mail that can never go (a bad address, a 5xx refusal) is
// recorded as failed once while the others go on. Every effect is idempotent
// by its own key (unique rows, upserts, sendOnce's reservation), so a retried
// activity writes once and sends nothing twice.
//
// Histories recorded before the per-mail activity (workflows/task-workflow.ts,
// patch 'per-mail-activity') still hand applyEffects batches with mails in
// them: those are sent after the transaction, one by one, as before.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { Prisma, type PrismaClient } from '../lib/db.ts';
import type { Transporter } from 'nodemailer';
import { mailDeps, sendOnce } from '../lib/mail/send.ts';
import { composeMail } from './mail/compose.ts';
import type { Config } from '../lib/config.ts';
import type {
  Effect,
  EffectBatch,
  MailOrder,
  MailOutcome,
  SendMailInput,
  TaskBrief,
} from '../workflows/effects.ts';
import type { ReportInput, UnitRef } from '../workflows/types.ts';
import { unitRefOf } from '../lib/unit-addresses.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** nodemailer transport: SMTP in production, the catcher or a JSON sink in tests */
  transport: Transporter;
  config: Pick<Config, 'mail' | 'web' | 'tokens'>;
}

const dateOnly = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** Effects that apply() writes with one SQL statement. */
const ONE_STATEMENT = new Set<Effect['type']>([
  'request',
  'reopen',
  'due-moved',
  'extended',
  'escalation',
  'light',
  'task',
  'acknowledged',
]);

/**
 * Runs `work` while telling Temporal every 2 s that this attempt is alive:
 * with the workflow's heartbeat timeout (10 s) an attempt whose worker died
 * is retried elsewhere within seconds, not after the 1–2 minute
 * start-to-close timeout. Outside a worker (called directly) it just runs.
 */
async function beating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), 2_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createActivities(deps: ActivityDeps) {
  const { prisma } = deps;
  const mailer = mailDeps(deps.config, prisma, deps.transport);
  const taskIds = new Map<
    string,
    { id: number; taskSetId: string; taskSet: { name: string; year: number } }
  >();

  async function taskOf(workflowId: string) {
    const cached = taskIds.get(workflowId);
    if (cached) return cached;
    const row = await prisma.task.findUnique({
      where: { workflowId },
      select: { id: true, taskSetId: true, taskSet: { select: { name: true, year: true } } },
    });
    if (!row) {
      throw ApplicationFailure.nonRetryable(
        `数据库中没有工作流 ${workflowId} 对应的任务（请先导入任务集）`,
        'TaskNotFound',
      );
    }
    taskIds.set(workflowId, row);
    return row;
  }

  /**
   * The units as the directory has them now (the workflow's copies are from
   * when the task started), in one query for the mail's unit and its cc; a
   * unit gone from the directory keeps the workflow's copy.
   */
  async function currentUnits(taskSetId: string, units: UnitRef[]): Promise<UnitRef[]> {
    if (!units.length) return units;
    // SQL, as the hot statements below (one per mail); the attributes as text,
    // parsed here, the same on every driver
    const names = units.map((unit) => unit.name);
    const rows = await prisma.$queryRaw<
      { name: string; emails: string[] | null; leaderEmails: string[] | null; attributes: string }[]
    >`SELECT "name", "emails", "leaderEmails", "attributes"::text AS "attributes" FROM "Unit"
      WHERE "taskSetId" = ${taskSetId} AND "name" = ANY(${names}::text[])`;
    const byName = new Map(rows.map((row) => [row.name, row]));
    return units.map((unit) => {
      const row = byName.get(unit.name);
      if (!row) return unit;
      return unitRefOf({
        name: row.name,
        emails: row.emails ?? [],
        leaderEmails: row.leaderEmails ?? [],
        attributes: JSON.parse(row.attributes) as unknown,
      });
    });
  }

  type TaskRow = { id: number; taskSetId: string; taskSet: { name: string; year: number } };

  /** One mail, composed with the directory's addresses of now, sent at most once. */
  async function sendOne(
    workflowId: string,
    brief: TaskBrief,
    mailOrder: MailOrder,
    task: TaskRow,
  ): Promise<MailOutcome> {
    // the addresses as the directory has them now: a mailbox changed mid-year counts at once
    const current = await currentUnits(task.taskSetId, [
      ...(mailOrder.unit ? [mailOrder.unit] : []),
      ...(mailOrder.cc ?? []),
    ]);
    const order: MailOrder = { ...mailOrder };
    if (mailOrder.unit) order.unit = current.shift()!;
    if (mailOrder.cc) order.cc = current;
    const mail = composeMail(order, { workflowId, task: brief, taskSet: task.taskSet, config: deps.config });
    if (!mail) {
      log.warn('无收件地址，邮件未发送', { step: mailOrder.step });
      return { step: mailOrder.step, status: 'no-address', at: Date.now() };
    }
    const res = await sendOnce(mailer, mail);
    // A permanent refusal is on the mail's row (status failed) and on the
    // dashboard's failing addresses, where the office sees it; the workflow goes on.
    if (res.failed !== undefined && res.sent === false)
      await markFailing(prisma, res.rejected?.length ? res.rejected : mail.to, res.failed);
    else if (res.rejected?.length) await markFailing(prisma, res.rejected, '邮件服务器拒收该地址');
    const status: MailOutcome['status'] = res.sent
      ? 'sent'
      : res.failed !== undefined
        ? 'failed'
        : res.uncertain
          ? 'uncertain'
          : 'sent-before';
    return { step: mailOrder.step, status, at: Date.now(), ...(res.failed ? { failure: res.failed } : {}) };
  }

  async function apply(db: Prisma.TransactionClient, effect: Effect, task: TaskRow): Promise<void> {
    const taskId = task.id;
    const prisma = db;
    switch (effect.type) {
      case 'mail':
        return; // sent by sendOne, never inside the transaction
      case 'request': {
        // One INSERT … ON CONFLICT DO NOTHING: idempotent. Written as SQL, as
        // the 'task' row below, because these two are most of a year's
        // projection statements and Prisma's query compiler costs 2–3 times
        // the statement's own CPU (issue 12).
        if (!effect.units.length) return;
        const requestedAt = new Date(effect.requestedAt).toISOString();
        const rows = effect.units.map(
          (unitName) =>
            Prisma.sql`(${taskId}, ${unitName}, ${effect.period}, ${requestedAt}::timestamp(3), ${effect.dueOn}::timestamp(3))`,
        );
        await prisma.$executeRaw`INSERT INTO "Request" ("taskId", "unitName", "period", "requestedAt", "dueAt")
          VALUES ${Prisma.join(rows)} ON CONFLICT DO NOTHING`;
        return;
      }
      case 'report':
        await recordReport(prisma, taskId, effect.report, effect.accepted, effect.refusalReason);
        return;
      case 'reopen':
        await prisma.request.updateMany({
          where: { taskId, unitName: effect.unit, period: effect.period },
          data: { status: 'open', reportedAt: null, dueAt: dateOnly(effect.dueOn) },
        });
        return;
      case 'due-moved':
        await prisma.request.updateMany({
          where: { taskId, unitName: effect.unit, period: effect.period },
          data: { dueAt: dateOnly(effect.dueOn) },
        });
        return;
      case 'extended':
        await prisma.task.update({ where: { id: taskId }, data: { deadline: dateOnly(effect.deadline) } });
        return;
      case 'escalation':
        await prisma.escalation.createMany({
          data: [
            {
              key: effect.key,
              taskId,
              unitName: effect.unit,
              period: effect.period,
              level: effect.level,
              at: new Date(effect.at),
            },
          ],
          skipDuplicates: true,
        });
        return;
      case 'light':
        await prisma.lightChange.createMany({
          data: [
            {
              key: effect.key,
              taskId,
              from: effect.from,
              to: effect.to,
              at: new Date(effect.at),
              cause: effect.cause,
            },
          ],
          skipDuplicates: true,
        });
        return;
      case 'assignments':
        await recordAssignments(prisma, task, effect.lead, effect.co, new Date(effect.at));
        return;
      case 'task':
        // the task's row as the dashboard shows it (SQL, as 'request' above)
        await prisma.$executeRaw`UPDATE "Task" SET "state" = ${effect.state}, "light" = ${effect.light},
          "nextDue" = ${effect.nextDue}::timestamp(3), "lastReport" = ${effect.lastReport} WHERE "id" = ${taskId}`;
        return;
      case 'acknowledged':
        // the first 签收 counts: a later one (another channel) leaves it
        await prisma.assignment.updateMany({
          where: { taskId, active: true, unit: { name: effect.unit }, acknowledgedAt: null },
          data: { acknowledgedAt: new Date(effect.at), acknowledgedVia: effect.channel },
        });
        return;
      case 'extension': {
        const decision = {
          status: effect.status,
          decidedBy: effect.decidedBy ?? null,
          decidedAt: effect.decidedAt !== undefined ? new Date(effect.decidedAt) : null,
          decisionReason: effect.decisionReason ?? null,
        };
        await prisma.extensionRequest.upsert({
          where: { key: effect.key },
          create: {
            key: effect.key,
            taskId,
            unitName: effect.unit,
            newDeadline: dateOnly(effect.newDeadline),
            reason: effect.reason,
            channel: effect.channel,
            inboundMessageId: effect.inboundMessageId ?? null,
            requestedAt: new Date(effect.requestedAt),
            ...decision,
          },
          // a decision only ever follows the request: a retried batch writes the same
          update: effect.status === 'pending' ? {} : decision,
        });
        return;
      }
      case 'verdict': {
        const data = {
          proposed: effect.proposed,
          final: effect.final,
          reason: effect.reason,
          decidedBy: effect.decidedBy,
          overridden: effect.overridden,
          decidedAt: new Date(effect.at),
        };
        await prisma.verdict.upsert({ where: { taskId }, create: { taskId, ...data }, update: data });
        await prisma.task.update({ where: { id: taskId }, data: { state: '已办结', nextDue: null } });
        return;
      }
    }
  }

  async function applyBatch(batch: EffectBatch): Promise<{ mails: number }> {
    const task = await taskOf(batch.workflowId);
    const writes = batch.effects.filter((effect) => effect.type !== 'mail');
    // One statement is all or nothing by itself: no transaction round trips
    // around it (the common wake-up writes only the task's row).
    if (writes.length === 1 && ONE_STATEMENT.has(writes[0]!.type)) await apply(prisma, writes[0]!, task);
    else if (writes.length) {
      await prisma.$transaction(
        async (tx) => {
          for (const effect of writes) await apply(tx, effect, task);
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
    }
    let mails = 0;
    for (const effect of batch.effects) {
      if (effect.type !== 'mail') continue;
      const outcome = await sendOne(batch.workflowId, batch.task, effect.mail, task);
      if (outcome.status === 'sent') mails++;
    }
    return { mails };
  }

  return {
    /**
     * Writes one wake-up's projection in one transaction; then sends the
     * batch's mails, if it has any (histories from before 'per-mail-activity').
     * Returns how many mails went out now.
     */
    async applyEffects(batch: EffectBatch): Promise<{ mails: number }> {
      return beating(() => applyBatch(batch));
    },

    /** Sends one mail of the task workflow, at most once (lib/mail/send.ts); says how it went. */
    async sendMail(order: SendMailInput): Promise<MailOutcome> {
      return beating(async () => {
        const task = await taskOf(order.workflowId);
        return sendOne(order.workflowId, order.task, order.mail, task);
      });
    },
  };
}

export type TaskActivities = ReturnType<typeof createActivities>;

/** Addresses the mail server refused for good, on the dashboard's list of failing addresses. */
async function markFailing(prisma: PrismaClient, addresses: string[], reason: string): Promise<void> {
  const at = new Date();
  for (const address of addresses) {
    await prisma.addressHealth.upsert({
      where: { address },
      create: { address, lastBounce: at, reason },
      update: { failing: true, lastBounce: at, reason },
    });
  }
}

/**
 * A report row, accepted or refused (the refusal kept with its reason); the
 * same key twice is one row. Exported for callers whose update was refused by
 * the workflow's validator (the web form), so that refusal is kept too.
 */
export async function recordReport(
  prisma: Prisma.TransactionClient,
  taskId: number,
  r: ReportInput,
  accepted: boolean,
  refusalReason?: string,
): Promise<void> {
  // SQL, as the 'request' and 'task' rows: a report and its request's mark are
  // a year's next most frequent statements after those (issue 12).
  const receivedAt = new Date(r.receivedAt).toISOString();
  await prisma.$executeRaw`INSERT INTO "Report" ("key", "taskId", "unitName", "period", "status", "percent",
      "text", "reason", "channel", "inboundMessageId", "receivedAt", "accepted", "refusalReason", "needsReview")
    VALUES (${r.key}, ${taskId}, ${r.unit}, ${r.period}, ${r.status}, ${r.percent ?? null}::integer, ${r.text},
      ${r.reason ?? null}, ${r.channel}, ${r.inboundMessageId ?? null}, ${receivedAt}::timestamp(3), ${accepted},
      ${refusalReason ?? null}, ${r.needsReview ?? false})
    ON CONFLICT DO NOTHING`;
  if (accepted) {
    await prisma.$executeRaw`UPDATE "Request" SET "status" = 'reported', "reportedAt" = ${receivedAt}::timestamp(3)
      WHERE "taskId" = ${taskId} AND "unitName" = ${r.unit} AND "period" = ${r.period}`;
  }
}

/** Reassignment deactivates, never deletes: the old rows say who was responsible when. */
async function recordAssignments(
  prisma: Prisma.TransactionClient,
  task: { id: number; taskSetId: string },
  lead: string[],
  co: string[],
  at: Date,
): Promise<void> {
  const units = await prisma.unit.findMany({
    where: { taskSetId: task.taskSetId, name: { in: [...lead, ...co] } },
  });
  const wanted = new Set<string>();
  for (const [role, names] of [
    ['lead', lead],
    ['co', co],
  ] as const) {
    for (const name of names) {
      const unit = units.find((u) => u.name === name);
      if (!unit) {
        log.warn('单位不在名录中，未记录分工', { name });
        continue;
      }
      wanted.add(`${unit.id}|${role}`);
      await prisma.assignment.upsert({
        where: { taskId_unitId_role: { taskId: task.id, unitId: unit.id, role } },
        create: { taskId: task.id, unitId: unit.id, role, since: at },
        update: { active: true, until: null },
      });
    }
  }
  const current = await prisma.assignment.findMany({ where: { taskId: task.id, active: true } });
  for (const a of current) {
    if (!wanted.has(`${a.unitId}|${a.role}`)) {
      await prisma.assignment.update({ where: { id: a.id }, data: { active: false, until: at } });
    }
  }
}
