// Where a reply becomes a report: this file, and only this one. Every mail
// channel (IMAP, the embedded SMTP catcher, `duban inbox ingest`) first
// stores the raw message, keyed by its Message-ID (a content hash when it
// has none), outcome "pending" — from then on it cannot be lost — and the
// same code (takeIn) takes stored pending messages to their outcome: parse
// (lib/mail/parse/), find the request it answers (find-token.ts), check the
// token and the sender, and send the task's workflow what the unit said —
// a report, a 签收 (a reply to the 交办 notice), a 延期申请 — recording the
// outcome with its reason on the InboundMessage row, where the office sees
// it. Auto-replies and bounces are recorded and never answered; a bounce
// marks the mail it answers as bounced — only when it quotes a mail Duban
// sent, to the address it names. A message whose workflow could not be
// reached stays pending, and the next drain (drainPending) tries again; one
// the database refuses is retried alone, then marked failed. A Message-ID
// reused by different content is kept under a key of its own (reusedIdKey).
//
// Built for a backlog: a batch is stored in one statement, its tokens and
// units looked up in a few queries, its signals sent a few workflows at a
// time (each workflow's messages in order), its outcomes written in one
// statement. Each outcome follows from a typed result or a failure's kind,
// never from the text of a message.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db.ts';
import { DEFAULT_LIMITS, type Config, type Limits } from '../config.ts';
import {
  ConflictError,
  kindOf,
  messageOf,
  NotFoundError,
  RefusedError,
  UnavailableError,
} from '../errors.ts';
import { inParallel } from '../parallel.ts';
import { NOTICE_PERIOD, OPEN_PERIOD, type ReportInput } from '../../workflows/types.ts';
import {
  acknowledgeSignal,
  reportSignal,
  requestExtensionSignal,
  type AcknowledgeInput,
  type ExtensionRequestInput,
} from '../../workflows/messages.ts';
import { messageKey, parseReply, stripNul, type ParsedReply } from '../mail/parse/index.ts';
import { readExtensionRequest, type ExtensionAsk } from '../mail/parse/extension.ts';
import { verifyReplyToken, type ReplyClaims } from '../mail/tokens.ts';
import {
  findToken,
  missingTokenReason,
  preloadedIndex,
  TOKEN_SOURCE_LABEL,
  type TokenLookup,
} from './find-token.ts';

export type InboundSource = 'imap' | 'smtp' | 'file' | 'web';
export type InboundOutcomeKind =
  'applied' | 'held' | 'refused' | 'auto-reply' | 'bounce' | 'unparseable' | 'pending' | 'failed';

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
  /** what the unit's mail was taken as, when it reached its workflow */
  took?: ('report' | 'acknowledgement' | 'extension')[];
}

export interface InboundDeps {
  prisma: PrismaClient;
  /** Temporal client: replies become signals on `duban/<taskSetId>/<序号>` */
  client?: Pick<Client, 'workflow'>;
  /**
   * Without `client`: connects when a report must be routed, not before (the
   * CLI's `inbox apply`, so that a wrong id is told without Temporal).
   */
  connect?: () => Promise<Pick<Client, 'workflow'>>;
  /** limits: the full Config's (default DEFAULT_LIMITS) */
  config: Pick<Config, 'tokens' | 'mail' | 'imap'> & { limits?: Limits };
  /** the clock tokens are checked against (default: when each message arrived) */
  now?: () => number;
  /** replaces the Temporal report signal (unit tests, benchmarks without a worker) */
  route?: (workflowId: string, report: ReportInput) => Promise<void>;
}

/** The Message-ID as stored (lib/mail/parse messageKey). */
export const inboundKey = messageKey;

/** A raw message to keep. */
export interface RawMessage {
  messageId: string;
  source: InboundSource;
  raw: Buffer;
  /** epoch ms */
  receivedAt: number;
}

/** A kept message as takeIn reads it. */
export interface StoredMessage extends RawMessage {
  id: number;
}

export interface StoreResult {
  id: number;
  messageId: string;
  /** false: the Message-ID was known (a copy, or a retry) */
  created: boolean;
  outcome: string;
}

/**
 * The key a message with a Message-ID already taken by different content is
 * kept under: the id, marked, with the start of the content's SHA-256. The
 * same content again finds the same key (a copy, not a new message).
 */
export function reusedIdKey(messageId: string, contentHash: string): string {
  return `${messageId}#dup-${contentHash.slice(0, 16)}`;
}

/** What the outcome of a message kept under reusedIdKey says first. */
export const REUSED_ID_NOTE = '此邮件的 Message-ID 与先前收到的另一封邮件相同而内容不同，已另行保存并处理';

/** Whether a stored key is one reusedIdKey made. */
export function isReusedIdKey(key: string): boolean {
  return /#dup-[0-9a-f]{16}$/.test(key);
}

/**
 * Stores raw messages, one result per input, in its order. A Message-ID seen
 * before with the same bytes is that message again (a retried fetch, a
 * copy): its row answers, created false. A Message-ID seen before with other
 * bytes is a different message that reuses the id (a careless client, or a
 * forger): it is kept too, under reusedIdKey, never dropped. Bytes go in as
 * hex through SQL: Prisma's Bytes parameters fail on the PGlite adapter
 * ("Invalid input for bytea type", pglite-prisma-adapter 0.6), and this works
 * the same on PostgreSQL.
 */
export async function storeRawBatch(prisma: PrismaClient, messages: RawMessage[]): Promise<StoreResult[]> {
  if (!messages.length) return [];
  const hashes = messages.map((m) => createHash('sha256').update(m.raw).digest('hex'));
  const ids = [...new Set(messages.map((m) => m.messageId))];
  // the ids, and the keys each content would have if its id were taken: exact keys, the unique index answers
  const variants = messages.map((m, i) => reusedIdKey(m.messageId, hashes[i]!));
  const known = await prisma.$queryRawUnsafe<
    { id: number; messageId: string; outcome: string; hash: string }[]
  >(
    `SELECT id, "messageId", outcome, encode(sha256(raw), 'hex') AS hash FROM "InboundMessage"
      WHERE "messageId" = ANY($1::text[])`,
    [...new Set([...ids, ...variants])],
  );
  // the key each input goes under: its own id, unless another content has it
  const owner = new Map<string, string>(); // key → content hash
  for (const row of known) owner.set(row.messageId, row.hash);
  const keys = messages.map((m, i) => {
    const hash = hashes[i]!;
    const holder = owner.get(m.messageId);
    if (holder === undefined) {
      owner.set(m.messageId, hash);
      return m.messageId;
    }
    // the web form keys a submission by its content already: the same id is the same submission
    if (holder === hash || m.source === 'web') return m.messageId;
    const variant = reusedIdKey(m.messageId, hash);
    if (!owner.has(variant)) owner.set(variant, hash);
    return variant;
  });
  const fresh = new Map<string, RawMessage>();
  const knownKeys = new Set(known.map((row) => row.messageId));
  messages.forEach((m, i) => {
    if (!knownKeys.has(keys[i]!) && !fresh.has(keys[i]!)) fresh.set(keys[i]!, { ...m, messageId: keys[i]! });
  });
  const inserted = new Set<string>();
  if (fresh.size) {
    const list = [...fresh.values()];
    const rows = await prisma.$queryRawUnsafe<{ messageId: string }[]>(
      `INSERT INTO "InboundMessage" ("messageId", source, raw, "receivedAt")
       SELECT mid, src, decode(hex, 'hex'), to_timestamp(at / 1000.0) AT TIME ZONE 'UTC'
         FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS x(mid, src, hex, at)
       ON CONFLICT ("messageId") DO NOTHING
       RETURNING "messageId"`,
      list.map((m) => m.messageId),
      list.map((m) => m.source),
      list.map((m) => m.raw.toString('hex')),
      list.map((m) => m.receivedAt),
    );
    for (const row of rows) inserted.add(row.messageId);
  }
  const rows = await prisma.inboundMessage.findMany({
    where: { messageId: { in: [...new Set(keys)] } },
    select: { id: true, messageId: true, outcome: true },
  });
  const byKey = new Map(rows.map((row) => [row.messageId, row]));
  const answered = new Set<string>();
  return keys.map((key) => {
    const row = byKey.get(key)!;
    const created = inserted.has(key) && !answered.has(key);
    answered.add(key);
    return { id: Number(row.id), messageId: key, created, outcome: row.outcome };
  });
}

/** Stores one raw message unless its key is known; one round trip either way. */
export async function storeRaw(
  prisma: PrismaClient,
  messageId: string,
  source: InboundSource,
  raw: Buffer,
  receivedAt: number,
): Promise<{ id: number; messageId: string; created: boolean }> {
  const [row] = await storeRawBatch(prisma, [{ messageId, source, raw, receivedAt }]);
  return { id: row!.id, messageId: row!.messageId, created: row!.created };
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

interface UnitAddresses {
  names: string[];
  addresses: string[];
}

/** The units of the task sets named, with the addresses each may report from: one query per set. */
async function unitsOf(prisma: PrismaClient, taskSetIds: string[]): Promise<Map<string, UnitAddresses[]>> {
  const out = new Map<string, UnitAddresses[]>();
  if (!taskSetIds.length) return out;
  const rows = await prisma.unit.findMany({
    where: { taskSetId: { in: taskSetIds } },
    select: { taskSetId: true, name: true, aliases: true, emails: true, leaderEmails: true },
  });
  for (const row of rows) {
    const list = out.get(row.taskSetId) ?? [];
    list.push({
      names: [row.name, ...row.aliases],
      addresses: [...row.emails, ...row.leaderEmails].map((e) => e.trim().toLowerCase()),
    });
    out.set(row.taskSetId, list);
  }
  return out;
}

/** Whether the sender is registered for the claimed unit: any of its addresses counts. */
function senderCheck(
  units: Map<string, UnitAddresses[]>,
  claims: ReplyClaims,
  from: string | null,
): { ok: boolean; reason?: string } {
  if (!from) return { ok: false, reason: '邮件没有发件地址' };
  const ids = splitWorkflowId(claims.workflowId);
  const unit = ids ? units.get(ids.taskSetId)?.find((u) => u.names.includes(claims.unit)) : undefined;
  if (!unit) return { ok: false, reason: `单位“${claims.unit}”不在任务集的单位名录中，无法核对发件人` };
  if (!unit.addresses.includes(from.toLowerCase()))
    return { ok: false, reason: `发件地址 ${from} 未登记为“${claims.unit}”的报送邮箱，已转督查室核实` };
  return { ok: true };
}

const MAX_ROW_ID = 2 ** 31 - 1;

function workflowGone(workflowId: string): string {
  return `任务工作流 ${workflowId} 不存在或已结束`;
}

/** What goes to a workflow for one message, in order. */
type Delivery =
  | { signal: 'report'; input: ReportInput }
  | { signal: 'acknowledge'; input: AcknowledgeInput }
  | { signal: 'extension'; input: ExtensionRequestInput };

async function deliver(deps: InboundDeps, workflowId: string, delivery: Delivery): Promise<void> {
  if (delivery.signal === 'report' && deps.route) return deps.route(workflowId, delivery.input);
  const client = deps.client ?? (await deps.connect?.());
  if (!client) throw new UnavailableError('没有 Temporal 客户端，无法把回复交给任务工作流');
  const handle = client.workflow.getHandle(workflowId);
  if (delivery.signal === 'report') await handle.signal(reportSignal, delivery.input);
  else if (delivery.signal === 'acknowledge') await handle.signal(acknowledgeSignal, delivery.input);
  else await handle.signal(requestExtensionSignal, delivery.input);
}

/**
 * A bounce. Anyone can send a mail that looks like one, so it counts only
 * when it answers a mail Duban sent: the delivery report must quote that
 * mail's Message-ID (`<duban.…@…>`, a SentMail row), and only the failed
 * recipients it names that were that mail's own recipients are marked
 * failing, with the mail marked bounced. The reason is in Duban's words with
 * the report's status code; the sender's free text is not copied to the
 * address. A bounce that answers nothing of ours is recorded and marks nothing.
 */
async function markBounce(
  prisma: PrismaClient,
  p: ParsedReply,
  raw: Buffer,
  at: number,
): Promise<{ reason: string; unit?: string }> {
  const claimed = p.bounceRecipients;
  const rawText = raw.toString('latin1');
  const ours = [...new Set(rawText.match(/<duban\.[0-9a-z]{1,64}@[^<>\s]+>/gi) ?? [])].slice(0, 20);
  const sent = ours.length
    ? await prisma.sentMail.findMany({
        where: { messageId: { in: ours } },
        select: { id: true, messageId: true, toAddrs: true, ccAddrs: true },
      })
    : [];
  const named = claimed.length ? claimed.join('、') : '（未写明失败地址）';
  if (!sent.length)
    return {
      reason: `退信：未引用督办系统发出的任何邮件（没有其 Message-ID），不予采信；声称投递失败的地址 ${named} 未标记`,
    };
  // the status the report gives (5.1.1, 550): a code, not the sender's prose
  const status =
    /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(rawText)?.[1] ??
    /^Diagnostic-Code:\s*(?:smtp;\s*)?([245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?)/im.exec(rawText)?.[1];
  const failed = claimed.filter((a) =>
    sent.some((m) => [...m.toAddrs, ...m.ccAddrs].some((r) => r.trim().toLowerCase() === a)),
  );
  if (!failed.length)
    return {
      reason: `退信：所引用的邮件 ${sent.map((m) => m.messageId).join('、')} 并未发给 ${named}，不予采信，未标记任何地址`,
    };
  const reason = `退信：${failed.join('、')} 投递失败${status ? `（状态 ${status}）` : ''}，已标记为故障地址`;
  const detail = `投递失败${status ? `（状态 ${status}）` : ''}：回复 ${sent[0]!.messageId} 的退信`;
  for (const address of failed) {
    await prisma.addressHealth.upsert({
      where: { address },
      create: { address, failing: true, lastBounce: new Date(at), reason: detail },
      update: { failing: true, lastBounce: new Date(at), reason: detail },
    });
  }
  const answered = sent.filter((m) =>
    [...m.toAddrs, ...m.ccAddrs].some((r) => failed.includes(r.trim().toLowerCase())),
  );
  await prisma.sentMail.updateMany({
    where: { id: { in: answered.map((m) => m.id) } },
    data: { status: 'bounced', failure: reason },
  });
  const unit = await prisma.unit.findFirst({ where: { emails: { hasSome: failed } } });
  return { reason, unit: unit?.name };
}

function reportFrom(p: ParsedReply, claims: ReplyClaims, messageId: string, at: number): ReportInput {
  return {
    key: `email:${messageId}`,
    // the notice names no period: its report goes to the one open now
    period: claims.period === NOTICE_PERIOD ? OPEN_PERIOD : claims.period,
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
    receivedAt: at,
    ...(p.status ? {} : { needsReview: true }),
  };
}

/** The key of a 延期申请 made by mail: short, for the office to type, and the same for the same mail. */
export function extensionKey(messageId: string): string {
  return `ext-${createHash('sha256').update(messageId).digest('hex').slice(0, 10)}`;
}

/** The outcome row as written at the end; `header` is what the parser read of From and Subject. */
interface Finished extends InboundOutcome {
  header?: { fromAddr: string | null; subject: string };
}

/** One message on its way: parsed, then given what to deliver, then finished. */
interface Work {
  message: StoredMessage;
  parsed?: ParsedReply;
  done?: Finished;
  claims?: ReplyClaims;
  via?: TokenLookup & { found: true };
  deliveries: Delivery[];
  /** what the outcome's reason says when the deliveries arrive */
  note?: string;
  /** attachments over MAIL_MAX_ATTACHMENT_BYTES, left out (the raw message keeps them) */
  dropped?: string;
  took: NonNullable<InboundOutcome['took']>;
}

const PARSE_LANES = 4;
const SIGNAL_LANES = 16;

/** How many times a message whose processing fails is taken again, alone, before it is marked failed. */
export const TAKE_IN_ATTEMPTS = 3;

/**
 * Takes stored pending messages to their outcome (the order of `messages`
 * is the order of their outcomes). Never throws for one message's trouble:
 * it becomes that message's outcome. When a batch fails (one message the
 * database will not take, say), each message is taken again alone, up to
 * TAKE_IN_ATTEMPTS times; one that still fails is marked "failed" with the
 * reason — kept, shown on /inbox, never left at 处理中 to wedge the queue. A
 * database that is down throws (the messages stay pending for the next round).
 */
export async function takeIn(deps: InboundDeps, messages: StoredMessage[]): Promise<InboundOutcome[]> {
  try {
    return await takeInBatch(deps, messages);
  } catch (err) {
    if (kindOf(err) === 'Unavailable') throw err;
    const out: InboundOutcome[] = [];
    for (const m of messages) out.push(await takeInAlone(deps, m));
    return out;
  }
}

async function takeInAlone(deps: InboundDeps, m: StoredMessage): Promise<InboundOutcome> {
  let last: unknown;
  for (let attempt = 1; attempt <= TAKE_IN_ATTEMPTS; attempt++) {
    try {
      return (await takeInBatch(deps, [m]))[0]!;
    } catch (err) {
      if (kindOf(err) === 'Unavailable') throw err;
      last = err;
    }
  }
  const reason = `处理失败（已重试 ${TAKE_IN_ATTEMPTS} 次）：${failureText(last)}；原始邮件已保存，请督查室查看`;
  // if the database itself is down this throws, and the message stays pending
  await deps.prisma.inboundMessage.update({ where: { id: m.id }, data: { outcome: 'failed', reason } });
  return { id: m.id, messageId: m.messageId, outcome: 'failed', reason, duplicate: false };
}

/** A failure in words for the office: Duban's own message, or the database's error code, never a dump. */
function failureText(err: unknown): string {
  if (kindOf(err)) return messageOf(err);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `数据库拒绝写入（错误码 ${code}）` : '内部错误';
}

async function takeInBatch(deps: InboundDeps, messages: StoredMessage[]): Promise<InboundOutcome[]> {
  const prisma = deps.prisma;
  const work: Work[] = messages.map((message) => ({ message, deliveries: [], took: [] }));
  const finish = (
    w: Work,
    outcome: InboundOutcomeKind,
    reason: string,
    extra: Partial<InboundOutcome> = {},
  ) => {
    w.done = {
      id: w.message.id,
      messageId: w.message.messageId,
      outcome,
      reason:
        (isReusedIdKey(w.message.messageId) ? `${REUSED_ID_NOTE}；${reason}` : reason) +
        (w.dropped ? `；${w.dropped}` : ''),
      duplicate: false,
      ...extra,
      ...(w.parsed ? { header: { fromAddr: w.parsed.from, subject: w.parsed.subject.slice(0, 500) } } : {}),
    };
  };
  const at = (w: Work) => deps.now?.() ?? w.message.receivedAt;

  // 1. parse, a few at a time (mailparser yields while it decodes)
  await inParallel(work, PARSE_LANES, async (w) => {
    try {
      w.parsed = await parseReply(w.message.raw, {
        replyInbox: deps.config.mail.replyInbox,
        replyDomain: deps.config.mail.replyDomain,
      });
    } catch (err) {
      finish(w, 'unparseable', `无法解析邮件：${kindOf(err) ? messageOf(err) : 'MIME 结构无法读取'}`);
      return;
    }
    const limit = (deps.config.limits ?? DEFAULT_LIMITS).attachmentBytes;
    const big = w.parsed.attachments.filter((a) => a.size > limit);
    if (big.length) {
      w.parsed = { ...w.parsed, attachments: w.parsed.attachments.filter((a) => a.size <= limit) };
      w.dropped = `附件 ${big.map((a) => `${a.filename}（${a.size} 字节）`).join('、')}超过 ${limit} 字节的上限（MAIL_MAX_ATTACHMENT_BYTES），未保存；原始邮件已保存`;
    }
  });

  // 2. what each one is; bounces, auto-replies and old mail end here
  const since = deps.config.imap.since;
  for (const w of work) {
    const p = w.parsed;
    if (!p || w.done) continue;
    if (p.bounce) {
      const bounce = await markBounce(prisma, p, w.message.raw, at(w));
      finish(w, 'bounce', bounce.reason, { unit: bounce.unit });
    } else if (p.autoReply) finish(w, 'auto-reply', '自动回复，不作为报告，也不回复');
    else if (since && p.date !== null && p.date < Date.parse(`${since}T00:00:00+08:00`))
      finish(w, 'refused', `邮件日期早于启用日期 ${since}（MAIL_SINCE），不予处理`);
  }

  // 3. which task, unit and period: every token of the batch in two queries
  const open = work.filter((w) => !w.done && w.parsed);
  const index = await preloadedIndex(
    prisma,
    open.map((w) => w.parsed!),
  );
  for (const w of open) {
    const found = await findToken(index, w.parsed!);
    if (!found.found) {
      // no pointer at all may still be a unit's reply (the office places it); a
      // reference Duban never issued is not
      finish(w, found.why === 'unknown-reference' ? 'refused' : 'held', missingTokenReason(found));
      continue;
    }
    const verified = verifyReplyToken(found.token, deps.config.tokens.secret, at(w));
    if (!verified.ok) {
      const why = {
        伪造: '签名不符，可能被伪造或来自其他系统',
        过期: '已过期，请使用最新一封请报送邮件回复或联系督查室',
        格式错误: '格式不正确',
        未知引用: '不是督办系统发出的',
      }[verified.reason];
      finish(w, 'refused', `回复令牌${verified.reason}：${why}`);
      continue;
    }
    w.claims = verified.claims;
    w.via = found;
  }

  // 4. the sender must be registered for the unit (any of its addresses)
  const claimed = open.filter((w) => !w.done && w.claims);
  const units = await unitsOf(prisma, [
    ...new Set(claimed.map((w) => splitWorkflowId(w.claims!.workflowId)?.taskSetId ?? '')),
  ]);
  for (const w of claimed) {
    const sender = senderCheck(units, w.claims!, w.parsed!.from);
    if (!sender.ok) finish(w, 'held', sender.reason!, target(w));
  }

  // 5. what the unit said: a 签收, a report, a 延期申请
  const ready = claimed.filter((w) => !w.done);
  const deadlines = await deadlinesOf(
    prisma,
    ready.filter((w) => mayAskExtension(w.parsed!.text)).map((w) => w.claims!.workflowId),
  );
  for (const w of ready) {
    const planned = planDeliveries(
      w.parsed!,
      w.claims!,
      w.message.messageId,
      at(w),
      deadlines.get(w.claims!.workflowId),
    );
    if ('outcome' in planned) {
      finish(w, planned.outcome, planned.reason, target(w));
      continue;
    }
    w.deliveries = planned.deliveries;
    w.took = planned.took;
    w.note = `已送达任务工作流（经${TOKEN_SOURCE_LABEL[w.via!.via]}识别）：${planned.notes.join('；')}`;
  }
  for (const w of ready) {
    if (w.done || !w.parsed!.attachments.length) continue;
    // a retried message may have stored them already
    await prisma.attachment.deleteMany({ where: { inboundMessageId: w.message.id } });
    await storeAttachments(prisma, w.message.id, w.parsed!.attachments);
  }

  // 6. to the workflows: a few at a time, each workflow's messages in their order
  const lanes = new Map<string, Work[]>();
  for (const w of ready) {
    if (w.done) continue;
    const id = w.claims!.workflowId;
    lanes.set(id, [...(lanes.get(id) ?? []), w]);
  }
  await inParallel([...lanes.entries()], SIGNAL_LANES, async ([workflowId, queue]) => {
    for (const w of queue) {
      try {
        for (const delivery of w.deliveries) await deliver(deps, workflowId, delivery);
        finish(w, 'applied', w.note!, { ...target(w), took: w.took });
      } catch (err) {
        if (kindOf(err) === 'NotFound') finish(w, 'refused', workflowGone(workflowId), target(w));
        // anything else (Temporal unreachable, …): stays pending and is tried again
        else
          finish(w, 'pending', `暂时无法送达任务工作流：${messageOf(err)}`, { ...target(w), took: w.took });
      }
    }
  });

  // 7. every outcome in one statement
  const outcomes = work.map((w) => w.done!);
  await recordOutcomes(prisma, outcomes);
  return outcomes.map(({ header: _header, ...outcome }) => outcome);

  function target(w: Work): Partial<InboundOutcome> {
    const c = w.claims!;
    const report = w.deliveries.find((d) => d.signal === 'report' || d.signal === 'acknowledge');
    const reportKey =
      report?.signal === 'report'
        ? report.input.key
        : report?.signal === 'acknowledge'
          ? report.input.report?.key
          : undefined;
    return { workflowId: c.workflowId, unit: c.unit, period: c.period, ...(reportKey ? { reportKey } : {}) };
  }
}

/** What one checked reply asks of its workflow: what to deliver, and what the outcome will say. */
type Plan =
  | { deliveries: Delivery[]; took: NonNullable<InboundOutcome['took']>; notes: string[] }
  /** nothing to deliver: the outcome and its reason */
  | { outcome: 'unparseable' | 'refused'; reason: string };

/**
 * What the unit said, from a reply that passed every check: a 签收 (a reply to
 * the 交办 notice, with its report when it states a status), a report, a
 * 延期申请 (read against the task's current deadline), or several of them.
 */
export function planDeliveries(
  p: ParsedReply,
  claims: ReplyClaims,
  messageId: string,
  when: number,
  deadline: string | undefined,
  over: Partial<ReportInput> = {},
): Plan {
  const ask: ExtensionAsk = deadline ? readExtensionRequest(p.text, { deadline }) : { asked: false };
  const report = { ...reportFrom(p, claims, messageId, when), ...over };
  const deliveries: Delivery[] = [];
  const took: NonNullable<InboundOutcome['took']> = [];
  const notes: string[] = [];
  if (claims.period === NOTICE_PERIOD) {
    // the 交办 notice answered: the 签收, and the report if it states one
    const stated = p.status !== null;
    deliveries.push({
      signal: 'acknowledge',
      input: { unit: claims.unit, channel: 'email', receivedAt: when, ...(stated ? { report } : {}) },
    });
    took.push('acknowledgement');
    notes.push(
      `签收${stated ? `，并报送：${p.status}${p.percent === null ? '' : ` ${p.percent}%`}（如有正在报送的期次）` : ''}`,
    );
  } else if (!ask.asked || p.status) {
    if (!p.text.trim() && !p.status && p.attachments.length === 0)
      return { outcome: 'unparseable', reason: '邮件正文为空，没有可登记的进展' };
    deliveries.push({ signal: 'report', input: report });
    took.push('report');
    notes.push(
      p.status
        ? `报送：${p.status}${p.percent === null ? '' : ` ${p.percent}%`}`
        : '报送：未写明状态，按“推进中”叙述性报告登记，待督查室核对',
    );
  }
  if (ask.asked && ask.ok) {
    deliveries.push({
      signal: 'extension',
      input: {
        key: extensionKey(messageId),
        unit: claims.unit,
        newDeadline: ask.newDeadline,
        reason: ask.reason,
        receivedAt: when,
        channel: 'email',
        inboundMessageId: messageId,
      },
    });
    took.push('extension');
    notes.push(`延期申请：延至 ${ask.newDeadline}，理由：${ask.reason}（待督查室审批）`);
  } else if (ask.asked) {
    if (!deliveries.length) return { outcome: 'refused', reason: `延期申请未能识别：${ask.problem}` };
    notes.push(`延期申请未能识别：${ask.problem}`);
  }
  return { deliveries, took, notes };
}

/** Whether a reply may hold a 延期申请 (then its task's deadline is needed to read it). */
function mayAskExtension(text: string): boolean {
  return /延期|延长|推迟|顺延|展期|延后|延至|延到/.test(text);
}

/** The current deadlines of the tasks named, from the read model: one query. */
async function deadlinesOf(prisma: PrismaClient, workflowIds: string[]): Promise<Map<string, string>> {
  if (!workflowIds.length) return new Map();
  const tasks = await prisma.task.findMany({
    where: { workflowId: { in: [...new Set(workflowIds)] } },
    select: { workflowId: true, deadline: true },
  });
  return new Map(tasks.map((t) => [t.workflowId, t.deadline.toISOString().slice(0, 10)]));
}

/** Text PostgreSQL can store: no NUL (a reason may quote what a message said). */
function nulFree(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : stripNul(s);
}

/** Writes the outcomes of a batch in one statement (pending ones keep their state, with the reason). */
async function recordOutcomes(prisma: PrismaClient, outcomes: Finished[]): Promise<void> {
  if (!outcomes.length) return;
  await prisma.$executeRawUnsafe(
    `UPDATE "InboundMessage" m SET
       outcome = u.outcome, reason = u.reason, "workflowId" = u.wf, "unitName" = u.unit,
       "reportKey" = u.rk, "fromAddr" = COALESCE(u.sender, m."fromAddr"), subject = COALESCE(u.subj, m.subject)
     FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       AS u(id, outcome, reason, wf, unit, rk, sender, subj)
     WHERE m.id = u.id`,
    outcomes.map((o) => o.id),
    outcomes.map((o) => o.outcome),
    outcomes.map((o) => nulFree(o.reason)),
    outcomes.map((o) => nulFree(o.workflowId)),
    outcomes.map((o) => nulFree(o.unit)),
    outcomes.map((o) => nulFree(o.reportKey)),
    outcomes.map((o) => nulFree(o.header?.fromAddr)),
    outcomes.map((o) => nulFree(o.header?.subject)),
  );
}

/** The outcome already recorded for a message seen before. */
async function recordedOutcome(prisma: PrismaClient, id: number): Promise<InboundOutcome> {
  const row = await prisma.inboundMessage.findUniqueOrThrow({ where: { id } });
  return {
    id: row.id,
    messageId: row.messageId,
    outcome: row.outcome as InboundOutcomeKind,
    reason: row.reason ?? undefined,
    duplicate: true,
    workflowId: row.workflowId ?? undefined,
    unit: row.unitName ?? undefined,
    reportKey: row.reportKey ?? undefined,
  };
}

/**
 * Raw messages in, each kept first and then taken to its outcome; one
 * outcome per message, in order. A copy of a message already finished (in
 * this batch or before) answers with that outcome, marked duplicate.
 */
export async function ingestBatch(
  deps: InboundDeps,
  items: { raw: Buffer; source: InboundSource; receivedAt?: number }[],
): Promise<InboundOutcome[]> {
  const now = Date.now();
  const messages = items.map((item) => ({
    messageId: inboundKey(item.raw),
    source: item.source,
    raw: item.raw,
    receivedAt: item.receivedAt ?? deps.now?.() ?? now,
  }));
  const results = await storeRawBatch(deps.prisma, messages);
  // each message under the key it was kept under (a reused Message-ID has its own)
  messages.forEach((m, i) => (m.messageId = results[i]!.messageId));
  const stored = new Map(results.map((s) => [s.messageId, s]));
  const pending = new Map<string, StoredMessage>();
  for (const m of messages) {
    const row = stored.get(m.messageId)!;
    if (row.outcome === 'pending' && !pending.has(m.messageId))
      pending.set(m.messageId, { ...m, id: row.id });
  }
  const taken = new Map(
    (await takeIn(deps, [...pending.values()])).map((outcome) => [outcome.messageId, outcome]),
  );
  const answered = new Set<string>();
  const out: InboundOutcome[] = [];
  for (const m of messages) {
    const outcome = taken.get(m.messageId);
    if (outcome && !answered.has(m.messageId)) {
      answered.add(m.messageId);
      out.push(outcome);
    } else if (outcome) out.push({ ...outcome, duplicate: true });
    else out.push(await recordedOutcome(deps.prisma, stored.get(m.messageId)!.id));
  }
  return out;
}

/** One raw message in: kept first, then taken to its outcome (a known one answers as before). */
export async function ingestRaw(
  deps: InboundDeps,
  raw: Buffer,
  source: InboundSource,
): Promise<InboundOutcome> {
  const [outcome] = await ingestBatch(deps, [{ raw, source }]);
  return outcome!;
}

/** Sources whose pending messages drainPending takes: the web form answers its own. */
const DRAINED_SOURCES: InboundSource[] = ['imap', 'smtp', 'file'];

/**
 * Takes the stored messages still pending (a crash between storing and
 * finishing, a workflow that could not be reached, the catcher's new mail)
 * to their outcome, oldest first, `batch` at a time, at most `limit`.
 */
export async function drainPending(
  deps: InboundDeps,
  options: { batch?: number; limit?: number } = {},
): Promise<InboundOutcome[]> {
  const batch = options.batch ?? 200;
  const limit = options.limit ?? 10_000;
  const out: InboundOutcome[] = [];
  let after = 0;
  while (out.length < limit) {
    const rows = await deps.prisma.inboundMessage.findMany({
      where: { outcome: 'pending', source: { in: DRAINED_SOURCES }, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: Math.min(batch, limit - out.length),
      select: { id: true, messageId: true, source: true, raw: true, receivedAt: true },
    });
    if (!rows.length) break;
    after = rows.at(-1)!.id;
    out.push(
      ...(await takeIn(
        deps,
        rows.map((row) => ({
          id: row.id,
          messageId: row.messageId,
          source: row.source as InboundSource,
          raw: Buffer.from(row.raw),
          receivedAt: row.receivedAt.getTime(),
        })),
      )),
    );
  }
  return out;
}

/** How many stored messages wait to be taken in. */
export function countPending(prisma: PrismaClient): Promise<number> {
  return prisma.inboundMessage.count({ where: { outcome: 'pending', source: { in: DRAINED_SOURCES } } });
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
  const claims = verified.claims;
  const deadline = mayAskExtension(p.text)
    ? (await deadlinesOf(deps.prisma, [claims.workflowId])).get(claims.workflowId)
    : undefined;
  // what the unit said, as if it had come from a registered address; the report marked for checking
  const planned = planDeliveries(p, claims, row.messageId, now, deadline, { needsReview: true });
  if ('outcome' in planned) throw new RefusedError(`无法放行：${planned.reason}`, { id });
  if (
    p.attachments.length &&
    (await deps.prisma.attachment.count({ where: { inboundMessageId: row.id } })) === 0
  ) {
    await storeAttachments(deps.prisma, row.id, p.attachments);
  }
  try {
    for (const delivery of planned.deliveries) await deliver(deps, claims.workflowId, delivery);
  } catch (err) {
    // the task ended while the reply waited: a refusal the office can read, not Temporal's English
    if (kindOf(err) === 'NotFound')
      throw new RefusedError(`无法放行：${workflowGone(claims.workflowId)}`, { id }, { cause: err });
    throw err;
  }
  const reportKey = planned.deliveries
    .map((d) =>
      d.signal === 'report' ? d.input.key : d.signal === 'acknowledge' ? d.input.report?.key : undefined,
    )
    .find((key) => key !== undefined);
  const reason = `督查室（${actor}）核实后放行：${row.reason ?? ''}`;
  await deps.prisma.inboundMessage.update({
    where: { id },
    data: {
      outcome: 'applied',
      reason,
      workflowId: claims.workflowId,
      unitName: claims.unit,
      reportKey: reportKey ?? null,
    },
  });
  await deps.prisma.auditEvent.create({
    data: {
      actor,
      action: 'inbox.apply-held',
      taskSetId: splitWorkflowId(claims.workflowId)?.taskSetId ?? null,
      workflowId: claims.workflowId,
      details: { inboundId: id, messageId: row.messageId, from: row.fromAddr, previousReason: row.reason },
    },
  });
  return {
    id,
    messageId: row.messageId,
    outcome: 'applied',
    reason,
    duplicate: false,
    workflowId: claims.workflowId,
    unit: claims.unit,
    period: claims.period,
    ...(reportKey ? { reportKey } : {}),
    took: planned.took,
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
