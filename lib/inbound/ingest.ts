// Where a reply becomes a report: this file, and only this one. Every channel
// calls it (IMAP poller, the embedded SMTP catcher, `duban inbox ingest`, the
// web): store the raw message first, keyed by its Message-ID (a content hash
// when it has none), so a message seen twice is processed once; then parse
// (lib/mail/parse/), find the request it answers (find-token.ts), check the
// token and the sender, and route the report to the task's workflow; and
// record the outcome with its reason on the InboundMessage row, where the
// office sees it. Auto-replies and bounces are recorded and never answered.
// Each outcome follows from a typed result or a failure's kind, never from
// the text of a message.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db.ts';
import type { Config } from '../config.ts';
import { ConflictError, kindOf, NotFoundError, RefusedError, UnavailableError } from '../errors.ts';
import type { ReportInput } from '../../workflows/types.ts';
import { reportSignal } from '../../workflows/messages.ts';
import { messageKey, parseReply, type ParsedReply } from '../mail/parse/index.ts';
import { verifyReplyToken, type ReplyClaims } from '../mail/tokens.ts';
import { findToken, missingTokenReason, TOKEN_SOURCE_LABEL } from './find-token.ts';

export type InboundSource = 'imap' | 'smtp' | 'file' | 'web';
export type InboundOutcomeKind =
  'applied' | 'held' | 'refused' | 'auto-reply' | 'bounce' | 'unparseable' | 'pending';

export interface InboundOutcome {
  /** InboundMessage row id */
  id: number;
  messageId: string;
  outcome: InboundOutcomeKind;
  reason?: string;
  /** true when the message had been processed before: nothing was done now */
  duplicate: boolean;
  workflowId?: string;
  unit?: string;
  period?: string;
  reportKey?: string;
}

export interface InboundDeps {
  prisma: PrismaClient;
  /** Temporal client: replies become reportSignal on `duban/<taskSetId>/<序号>` */
  client?: Pick<Client, 'workflow'>;
  /**
   * Without `client`: connects when a report must be routed, not before (the
   * CLI's `inbox apply`, so that a wrong id is told without Temporal).
   */
  connect?: () => Promise<Pick<Client, 'workflow'>>;
  config: Pick<Config, 'tokens' | 'mail' | 'imap'>;
  now?: () => number;
  /** replaces the Temporal signal (unit tests, benchmarks without a worker) */
  route?: (workflowId: string, report: ReportInput) => Promise<void>;
}

/** The Message-ID as stored (lib/mail/parse messageKey). */
export const inboundKey = messageKey;

/**
 * Stores a raw message unless its key is known; one round trip either way.
 * Bytes go in as hex through SQL: Prisma's Bytes parameters fail on the
 * PGlite adapter ("Invalid input for bytea type", pglite-prisma-adapter 0.6),
 * and this works the same on PostgreSQL.
 */
export async function storeRaw(
  prisma: PrismaClient,
  messageId: string,
  source: InboundSource,
  raw: Buffer,
  receivedAt: number,
): Promise<{ id: number; created: boolean }> {
  const rows = await prisma.$queryRaw<{ id: number }[]>`
    INSERT INTO "InboundMessage" ("messageId", source, raw, "receivedAt")
    VALUES (${messageId}, ${source}, decode(${raw.toString('hex')}, 'hex'), to_timestamp(${receivedAt / 1000}::double precision) AT TIME ZONE 'UTC')
    ON CONFLICT ("messageId") DO NOTHING RETURNING id`;
  if (rows[0]) return { id: Number(rows[0].id), created: true };
  const existing = await prisma.inboundMessage.findUniqueOrThrow({
    where: { messageId },
    select: { id: true },
  });
  return { id: existing.id, created: false };
}

async function storeAttachments(
  prisma: PrismaClient,
  inboundMessageId: number,
  attachments: ParsedReply['attachments'],
): Promise<void> {
  for (const a of attachments) {
    await prisma.$executeRaw`
      INSERT INTO "Attachment" ("inboundMessageId", filename, "contentType", size, content)
      VALUES (${inboundMessageId}, ${a.filename}, ${a.contentType}, ${a.size}, decode(${a.content.toString('hex')}, 'hex'))`;
  }
}

/** `duban/<taskSetId>/<seq>` → its parts, or null. */
export function splitWorkflowId(workflowId: string): { taskSetId: string; seq: string } | null {
  const m = /^duban\/(.+)\/([^/]+)$/.exec(workflowId);
  return m ? { taskSetId: m[1]!, seq: m[2]! } : null;
}

async function registeredFor(
  deps: InboundDeps,
  claims: ReplyClaims,
  from: string | null,
): Promise<{ ok: boolean; reason?: string }> {
  if (!from) return { ok: false, reason: '邮件没有发件地址' };
  const ids = splitWorkflowId(claims.workflowId);
  const unit = ids
    ? await deps.prisma.unit.findFirst({
        where: { taskSetId: ids.taskSetId, OR: [{ name: claims.unit }, { aliases: { has: claims.unit } }] },
      })
    : null;
  if (!unit) return { ok: false, reason: `单位“${claims.unit}”不在任务集的单位名录中，无法核对发件人` };
  const allowed = [...unit.emails, ...unit.leaderEmails].map((e) => e.trim().toLowerCase());
  if (!allowed.includes(from.toLowerCase())) {
    return { ok: false, reason: `发件地址 ${from} 未登记为“${claims.unit}”的报送邮箱，已转督查室核实` };
  }
  return { ok: true };
}

const MAX_ROW_ID = 2 ** 31 - 1;

function workflowGone(workflowId: string): string {
  return `任务工作流 ${workflowId} 不存在或已结束`;
}

async function routeReport(deps: InboundDeps, workflowId: string, report: ReportInput): Promise<void> {
  if (deps.route) return deps.route(workflowId, report);
  const client = deps.client ?? (await deps.connect?.());
  if (!client) throw new UnavailableError('没有 Temporal 客户端，无法把回复交给任务工作流');
  await client.workflow.getHandle(workflowId).signal(reportSignal, report);
}

async function markBounce(
  deps: InboundDeps,
  p: ParsedReply,
  now: number,
): Promise<{ reason: string; unit?: string }> {
  const addresses = p.bounceRecipients;
  for (const address of addresses) {
    await deps.prisma.addressHealth.upsert({
      where: { address },
      create: {
        address,
        failing: true,
        lastBounce: new Date(now),
        reason: p.subject.slice(0, 200) || '退信',
      },
      update: { failing: true, lastBounce: new Date(now), reason: p.subject.slice(0, 200) || '退信' },
    });
  }
  const unit = addresses.length
    ? await deps.prisma.unit.findFirst({ where: { emails: { hasSome: addresses } } })
    : null;
  return {
    reason: addresses.length
      ? `退信：${addresses.join('、')} 投递失败，已标记为故障地址`
      : '退信：未能识别失败的地址',
    unit: unit?.name,
  };
}

function reportFrom(p: ParsedReply, claims: ReplyClaims, messageId: string, now: number): ReportInput {
  return {
    key: `email:${messageId}`,
    period: claims.period,
    unit: claims.unit,
    status: p.status ?? '推进中',
    percent: p.percent,
    text: p.text,
    ...(p.reason ? { reason: p.reason } : {}),
    attachments: p.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
    })),
    channel: 'email',
    inboundMessageId: messageId,
    receivedAt: now,
    ...(p.status ? {} : { needsReview: true }),
  };
}

export async function ingestRaw(
  deps: InboundDeps,
  raw: Buffer,
  source: InboundSource,
): Promise<InboundOutcome> {
  const now = deps.now?.() ?? Date.now();
  const messageId = inboundKey(raw);

  // 1. raw first: once this row exists the message cannot be lost
  const stored = await storeRaw(deps.prisma, messageId, source, raw, now);
  const fresh = stored.created;
  const row = fresh
    ? { id: stored.id, outcome: 'pending', reason: null, workflowId: null, unitName: null, reportKey: null }
    : await deps.prisma.inboundMessage.findUniqueOrThrow({ where: { id: stored.id } });
  if (row.outcome !== 'pending') {
    return {
      id: row.id,
      messageId,
      outcome: row.outcome as InboundOutcomeKind,
      reason: row.reason ?? undefined,
      duplicate: true,
      workflowId: row.workflowId ?? undefined,
      unit: row.unitName ?? undefined,
      reportKey: row.reportKey ?? undefined,
    };
  }

  let header: { fromAddr?: string | null; subject?: string } = {};
  const finish = async (
    outcome: InboundOutcomeKind,
    reason: string | undefined,
    extra: Partial<InboundOutcome> = {},
  ): Promise<InboundOutcome> => {
    await deps.prisma.inboundMessage.update({
      where: { id: row.id },
      data: {
        ...header,
        outcome,
        reason: reason ?? null,
        workflowId: extra.workflowId ?? null,
        unitName: extra.unit ?? null,
        reportKey: extra.reportKey ?? null,
      },
    });
    return { id: row.id, messageId, outcome, reason, duplicate: false, ...extra };
  };

  // 2. parse
  let p: ParsedReply;
  try {
    p = await parseReply(raw, {
      replyInbox: deps.config.mail.replyInbox,
      replyDomain: deps.config.mail.replyDomain,
    });
  } catch (err) {
    return finish('unparseable', `无法解析邮件：${(err as Error).message}`);
  }
  header = { fromAddr: p.from, subject: p.subject.slice(0, 500) };

  // 3. what it is
  if (p.bounce) {
    const b = await markBounce(deps, p, now);
    return finish('bounce', b.reason, { unit: b.unit });
  }
  if (p.autoReply) return finish('auto-reply', '自动回复，不作为报告，也不回复');
  const since = deps.config.imap.since;
  if (since && p.date !== null && p.date < Date.parse(`${since}T00:00:00+08:00`)) {
    return finish('refused', `邮件日期早于启用日期 ${since}（MAIL_SINCE），不予处理`);
  }

  // 4. which task, unit and period
  const found = await findToken(deps.prisma, p);
  if (!found.found) {
    // no pointer at all may still be a unit's reply (the office places it); a
    // reference Duban never issued is not
    return finish(found.why === 'unknown-reference' ? 'refused' : 'held', missingTokenReason(found));
  }
  const verified = verifyReplyToken(found.token, deps.config.tokens.secret, now);
  if (!verified.ok) {
    const why = {
      伪造: '签名不符，可能被伪造或来自其他系统',
      过期: '已过期，请使用最新一封请报送邮件回复或联系督查室',
      格式错误: '格式不正确',
      未知引用: '不是督办系统发出的',
    }[verified.reason];
    return finish('refused', `回复令牌${verified.reason}：${why}`);
  }
  const claims = verified.claims;
  const target = { workflowId: claims.workflowId, unit: claims.unit, period: claims.period };

  const sender = await registeredFor(deps, claims, p.from);
  if (!sender.ok) return finish('held', sender.reason, target);

  if (!p.text.trim() && !p.status && p.attachments.length === 0)
    return finish('unparseable', '邮件正文为空，没有可登记的进展', target);

  // 5. attachments kept with the message (the report links to them by message id)
  // (a retried message may have stored them already)
  if (!fresh) await deps.prisma.attachment.deleteMany({ where: { inboundMessageId: row.id } });
  await storeAttachments(deps.prisma, row.id, p.attachments);

  // 6. route
  const report = reportFrom(p, claims, messageId, now);
  const reportKey = report.key;
  try {
    await routeReport(deps, claims.workflowId, report);
  } catch (err) {
    if (kindOf(err) === 'NotFound') {
      return finish('refused', workflowGone(claims.workflowId), { ...target, reportKey });
    }
    // anything else (Temporal unreachable, …): stays pending (IMAP leaves it unseen) and is retried
    const reason = `暂时无法送达任务工作流：${err instanceof Error ? err.message : String(err)}`;
    await deps.prisma.inboundMessage.update({ where: { id: row.id }, data: { ...header, reason } });
    return {
      id: row.id,
      messageId,
      outcome: 'pending',
      reason,
      duplicate: false,
      ...target,
      reportKey,
    };
  }
  const note = p.status
    ? `已送达任务工作流（经${TOKEN_SOURCE_LABEL[found.via]}识别）：${p.status}${p.percent === null ? '' : ` ${p.percent}%`}`
    : `已送达任务工作流（经${TOKEN_SOURCE_LABEL[found.via]}识别）：未写明状态，按“推进中”叙述性报告登记，待督查室核对`;
  return finish('applied', note, { ...target, reportKey });
}

/**
 * The office has checked a held reply (sent from an address not registered
 * for the unit) and lets it through: the report goes to the workflow as if
 * the unit had sent it, and the row and the audit log say who decided.
 * Throws NotFoundError (no such message), ConflictError (not held),
 * RefusedError (its token no longer leads to a running task).
 */
export async function applyHeld(deps: InboundDeps, id: number, actor: string): Promise<InboundOutcome> {
  // ids are PostgreSQL integers: a larger number names no row (and would fail the query)
  const row =
    Number.isInteger(id) && id > 0 && id <= MAX_ROW_ID
      ? await deps.prisma.inboundMessage.findUnique({ where: { id } })
      : null;
  if (!row) throw new NotFoundError(`没有编号为 ${id} 的收件`, { id });
  if (row.outcome !== 'held')
    throw new ConflictError(`收件 ${id} 的状态是“${row.outcome}”，只有待核实的邮件可以由督查室放行`, {
      id,
      outcome: row.outcome,
    });
  const now = deps.now?.() ?? Date.now();
  const p = await parseReply(Buffer.from(row.raw), {
    replyInbox: deps.config.mail.replyInbox,
    replyDomain: deps.config.mail.replyDomain,
  });
  const found = await findToken(deps.prisma, p);
  if (!found.found) throw new RefusedError(`无法放行：${missingTokenReason(found)}`, { id });
  // the token is checked again, expiry included: a held reply does not outlive its period
  const verified = verifyReplyToken(found.token, deps.config.tokens.secret, now);
  if (!verified.ok) throw new RefusedError(`无法放行：回复令牌${verified.reason}`, { id });
  const report = { ...reportFrom(p, verified.claims, row.messageId, now), needsReview: true };
  if (
    p.attachments.length &&
    (await deps.prisma.attachment.count({ where: { inboundMessageId: row.id } })) === 0
  ) {
    await storeAttachments(deps.prisma, row.id, p.attachments);
  }
  try {
    await routeReport(deps, verified.claims.workflowId, report);
  } catch (err) {
    // the task ended while the reply waited: a refusal the office can read, not Temporal's English
    if (kindOf(err) === 'NotFound')
      throw new RefusedError(`无法放行：${workflowGone(verified.claims.workflowId)}`, { id }, { cause: err });
    throw err;
  }
  const reason = `督查室（${actor}）核实后放行：${row.reason ?? ''}`;
  await deps.prisma.inboundMessage.update({
    where: { id },
    data: {
      outcome: 'applied',
      reason,
      workflowId: verified.claims.workflowId,
      unitName: verified.claims.unit,
      reportKey: report.key,
    },
  });
  await deps.prisma.auditEvent.create({
    data: {
      actor,
      action: 'inbox.apply-held',
      taskSetId: splitWorkflowId(verified.claims.workflowId)?.taskSetId ?? null,
      workflowId: verified.claims.workflowId,
      details: { inboundId: id, messageId: row.messageId, from: row.fromAddr, previousReason: row.reason },
    },
  });
  return {
    id,
    messageId: row.messageId,
    outcome: 'applied',
    reason,
    duplicate: false,
    workflowId: verified.claims.workflowId,
    unit: verified.claims.unit,
    period: verified.claims.period,
    reportKey: report.key,
  };
}

/**
 * The office has checked a held reply and will not take it (the sender is not
 * the unit's, the text is not a report): the row becomes refused with the
 * office's reason, and the audit log says who decided. Nothing reaches the
 * workflow. Throws NotFoundError (no such message), ConflictError (not held).
 */
export async function rejectHeld(
  deps: Pick<InboundDeps, 'prisma'>,
  id: number,
  actor: string,
  reason: string,
): Promise<InboundOutcome> {
  const row =
    Number.isInteger(id) && id > 0 && id <= MAX_ROW_ID
      ? await deps.prisma.inboundMessage.findUnique({ where: { id } })
      : null;
  if (!row) throw new NotFoundError(`没有编号为 ${id} 的收件`, { id });
  if (row.outcome !== 'held')
    throw new ConflictError(`收件 ${id} 的状态是“${row.outcome}”，只有待核实的邮件可以由督查室拒收`, {
      id,
      outcome: row.outcome,
    });
  const why = `督查室（${actor}）核实后拒收：${reason}`;
  // only a row still held changes: two people deciding at once cannot both win
  const changed = await deps.prisma.inboundMessage.updateMany({
    where: { id, outcome: 'held' },
    data: { outcome: 'refused', reason: why },
  });
  if (changed.count === 0) throw new ConflictError(`收件 ${id} 已由他人处理`, { id });
  await deps.prisma.auditEvent.create({
    data: {
      actor,
      action: 'inbox.reject-held',
      taskSetId: row.workflowId ? (splitWorkflowId(row.workflowId)?.taskSetId ?? null) : null,
      workflowId: row.workflowId,
      details: {
        inboundId: id,
        messageId: row.messageId,
        from: row.fromAddr,
        reason,
        previousReason: row.reason,
      },
    },
  });
  return {
    id,
    messageId: row.messageId,
    outcome: 'refused',
    reason: why,
    duplicate: false,
    workflowId: row.workflowId ?? undefined,
    unit: row.unitName ?? undefined,
  };
}
