// Sending mail, at most once per step. An activity may be retried after it
// sent but before it reported success, so every send is keyed by
// `<workflowId>/<step>` and the key's SentMail row is the lock:
//   1. before SMTP the row is reserved with status 'sending';
//   2. when the server accepted the message the row becomes 'sent';
//   3. a failure known to have happened before the server took the message
//      (connection refused, a 4xx answer, an envelope refused) releases the
//      reservation, and the retry sends;
//   4. a retry that finds the row still 'sending' cannot know whether the
//      server took the message (the worker died between the server's "250"
//      and step 2, or the connection broke during DATA): it does not send
//      again but marks the row 'uncertain', which the office sees.
// Duban chooses at most once over at least once: a unit never receives the
// same request twice (0 duplicates counted by Message-ID at the SMTP peer),
// and the rare uncertain mail is named to the office instead. The Message-ID
// is derived from the key, so a mail the office resends by hand is still one
// message to the receiving servers and clients.
// A permanent refusal (an SMTP 5xx) or an address that cannot be written
// into a header is recorded as the key's row too, status 'failed' with the
// reason: once, never tried again. Each row says whom the mail was for
// (unitName) and the thread it belongs to (inReplyTo).
import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { PrismaClient } from '../db.ts';
import { oneLine } from '../text.ts';
import { ConflictError } from '../errors.ts';
import { tokenReference } from './tokens.ts';
import type { MailKind } from '../../workflows/effects.ts';
import type { Config } from '../config.ts';

export interface OutgoingMail {
  /** idempotency key: `<workflowId>/<step>` */
  key: string;
  kind: MailKind;
  workflowId?: string;
  /** the unit the mail is for (none: the office) */
  unitName?: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /**
   * the signed reply token this mail carries (tokens.ts); kept on the
   * SentMail row so a reply that only has the short reference (subject,
   * plus-address) or only In-Reply-To finds it again
   */
  replyToken?: string;
}

export interface SendResult {
  messageId: string;
  /** false when the key had been sent before (or failed before) and nothing was sent now */
  sent: boolean;
  /** an earlier attempt may have been taken by the server: not sent again, marked 'uncertain' */
  uncertain?: boolean;
  /** the server refused it for good (now or before): its words; nothing will be tried again */
  failed?: string;
  /** addresses the server refused while taking the mail for the others */
  rejected?: string[];
}

/** An SMTP error the server means for good (5xx): retrying would hear the same. */
export function permanentRefusal(err: unknown): string | undefined {
  const code = (err as { responseCode?: number } | null)?.responseCode;
  if (typeof code !== 'number' || code < 500 || code > 599) return undefined;
  const response = (err as { response?: string }).response;
  return `邮件服务器拒收（${code}）：${oneLine(response || (err as Error).message || '')}`.slice(0, 1000);
}

export interface MailDeps {
  prisma: PrismaClient;
  transport: Transporter;
  from: string;
  /** the envelope sender bounces go to */
  bounceAddress: string;
  /** domain for Message-IDs */
  domain: string;
}

/** The mail dependencies from the configuration: one place, whoever sends. */
export function mailDeps(
  config: Pick<Config, 'mail'>,
  prisma: PrismaClient,
  transport: Transporter,
): MailDeps {
  return {
    prisma,
    transport,
    from: config.mail.from,
    bounceAddress: config.mail.bounceAddress,
    domain: config.mail.replyDomain,
  };
}

export function messageIdFor(key: string, domain: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 24);
  return `<duban.${digest}@${domain}>`;
}

/** In-Reply-To / References that thread a reminder under the request it follows up. */
export function threadHeaders(
  requestKey: string,
  domain: string,
): { inReplyTo: string; references: string[] } {
  const id = messageIdFor(requestKey, domain);
  return { inReplyTo: id, references: [id] };
}

/** An address that cannot be sent to: sending it again would fail the same way. */
export class BadAddressError extends Error {
  constructor(readonly address: string) {
    super(`邮件地址无效：${JSON.stringify(address)}`);
  }
}

/** An address as one header-safe token: no CR/LF, no second address smuggled in, an @ with both sides. */
function safeAddress(address: string): string {
  const a = address.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\u0000-\u001f,;<>\s]/.test(a) || !/^[^@]+@[^@]+$/.test(a)) throw new BadAddressError(address);
  return a;
}

/**
 * A send failure known to have happened before the server took the message:
 * nothing was delivered, so the reservation is released and a retry may send.
 * Anything else (the connection broke or timed out once talking, possibly
 * during DATA) may have been delivered and is left reserved.
 */
export function failedBeforeAccept(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string; syscall?: string; command?: string } | null;
  if (!e) return false;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) return true;
  if (e.syscall === 'connect' || e.syscall === 'getaddrinfo') return true;
  if (e.code && ['EENVELOPE', 'EDNS', 'EAUTH', 'ETLS', 'ENOAUTH'].includes(e.code)) return true;
  return e.command !== undefined && /^(EHLO|HELO|LHLO|STARTTLS|AUTH|MAIL FROM|RCPT TO)/.test(e.command);
}

const UNCERTAIN =
  '发送中断：邮件服务器可能已收下此信（工作进程在确认前停止或连接中断），为避免重复未再发送；请向收件单位核实，必要时重发';

export async function sendOnce(deps: MailDeps, mail: OutgoingMail): Promise<SendResult> {
  const messageId = messageIdFor(mail.key, deps.domain);
  // No read of the key first: the reservation below is the check (a row
  // already there makes it insert nothing, and only then is the row read),
  // so a first send costs two statements, not three (issue 12).
  // A reminder threaded under its request carries the request's token on
  // its row too, so a reply to the reminder (In-Reply-To) finds the task.
  let replyToken = mail.replyToken;
  if (!replyToken && mail.inReplyTo) {
    replyToken =
      (await deps.prisma.sentMail.findUnique({ where: { messageId: mail.inReplyTo } }))?.replyToken ??
      undefined;
  }
  // Task text reaches the subject and custom headers: fold it to one line so
  // nothing in it can start a header of its own.
  const subject = oneLine(mail.subject);
  const headers = Object.fromEntries(
    Object.entries(mail.headers ?? {}).map(([k, v]) => [oneLine(k).replace(/[^\w-]/g, ''), oneLine(v)]),
  );
  const row = {
    key: mail.key,
    messageId,
    kind: mail.kind,
    workflowId: mail.workflowId,
    unitName: mail.unitName ?? null,
    toAddrs: mail.to,
    ccAddrs: mail.cc ?? [],
    subject,
    replyToken: replyToken ?? null,
    replyRef: replyToken ? tokenReference(replyToken) : null,
    inReplyTo: mail.inReplyTo ?? null,
  };
  let to: string[];
  let cc: string[] | undefined;
  let replyTo: string | undefined;
  try {
    to = mail.to.map(safeAddress);
    cc = mail.cc?.map(safeAddress);
    replyTo = mail.replyTo ? safeAddress(mail.replyTo) : undefined;
  } catch (err) {
    if (!(err instanceof BadAddressError)) throw err;
    // an address that can never be sent to: recorded as failed, once
    const failure = err.message;
    const recorded = await deps.prisma.sentMail.createMany({
      data: [{ ...row, status: 'failed', failure }],
      skipDuplicates: true,
    });
    if (recorded.count === 0) return resultOfEarlierKey(deps, mail.key);
    return { messageId, sent: false, failed: failure, rejected: [err.address] };
  }
  // 1. the reservation: whoever inserts the row sends; anyone else reads what
  // happened. SQL, as the update in 2., because these two statements are
  // a year's most frequent and Prisma's query compiler costs 2–3 times the
  // statement's own CPU (issue 12).
  const reserved = await deps.prisma.$executeRaw`INSERT INTO "SentMail"
      ("key", "messageId", "kind", "workflowId", "unitName", "toAddrs", "ccAddrs", "subject",
       "replyToken", "replyRef", "inReplyTo", "status", "sentAt")
    VALUES (${row.key}, ${row.messageId}, ${row.kind}, ${row.workflowId ?? null}, ${row.unitName},
      ${row.toAddrs}::text[], ${row.ccAddrs}::text[], ${row.subject}, ${row.replyToken}, ${row.replyRef},
      ${row.inReplyTo}, 'sending', ${utcNow()}::timestamp(3))
    ON CONFLICT DO NOTHING`;
  if (reserved === 0) return resultOfEarlierKey(deps, mail.key);
  let rejected: string[] = [];
  try {
    const info = (await deps.transport.sendMail({
      from: deps.from,
      to,
      cc,
      subject,
      text: mail.text,
      html: mail.html,
      replyTo,
      inReplyTo: mail.inReplyTo,
      references: mail.references,
      messageId,
      envelope: { from: deps.bounceAddress, to: [...to, ...(cc ?? [])] },
      headers: {
        // Tell auto-responders not to answer: no mail loops.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
        ...headers,
      },
    })) as { rejected?: unknown[] } | undefined;
    rejected = (info?.rejected ?? []).map((r) =>
      String(typeof r === 'object' && r ? (r as { address?: string }).address : r),
    );
  } catch (err) {
    const failure = permanentRefusal(err);
    if (failure) {
      await deps.prisma.sentMail.updateMany({
        where: { key: mail.key, status: 'sending' },
        data: { status: 'failed', failure },
      });
      return { messageId, sent: false, failed: failure };
    }
    // 3. nothing was taken: release, so the activity's retry sends
    if (failedBeforeAccept(err))
      await deps.prisma.sentMail.deleteMany({ where: { key: mail.key, status: 'sending' } });
    throw err;
  }
  // 2. taken by the server (also when a concurrent retry had meanwhile called it uncertain)
  const failure = rejected.length ? `部分收件人被拒收：${rejected.join('、')}` : null;
  await deps.prisma.$executeRaw`UPDATE "SentMail"
    SET "status" = 'sent', "sentAt" = ${utcNow()}::timestamp(3), "failure" = ${failure}
    WHERE "key" = ${mail.key} AND "status" IN ('sending', 'uncertain')`;
  return { messageId, sent: true, ...(rejected.length ? { rejected } : {}) };
}

/**
 * Now as UTC text for a timestamp column, as Prisma writes them: not the
 * column's CURRENT_TIMESTAMP default, which is in the server's time zone.
 */
const utcNow = () => new Date().toISOString();

/** The key's row was there before this attempt (an earlier attempt's): what it left. */
async function resultOfEarlierKey(deps: MailDeps, key: string): Promise<SendResult> {
  const earlier = await deps.prisma.sentMail.findUnique({ where: { key } });
  // insert-or-nothing said the row exists; only a deletion in between (a
  // released reservation) could make it vanish: that attempt's retry sends
  if (!earlier) throw new ConflictError(`邮件 ${key} 的发送记录刚被另一次尝试释放，稍后重试`, { key });
  return resultOfEarlier(deps, earlier);
}

/** What an earlier attempt left: sent, failed, or (still reserved) uncertain. */
async function resultOfEarlier(
  deps: MailDeps,
  row: { key: string; messageId: string; status: string; failure: string | null },
): Promise<SendResult> {
  if (row.status === 'sending') {
    // 4. an attempt reserved the key and never said how it ended
    await deps.prisma.sentMail.updateMany({
      where: { key: row.key, status: 'sending' },
      data: { status: 'uncertain', failure: UNCERTAIN },
    });
    return { messageId: row.messageId, sent: false, uncertain: true };
  }
  if (row.status === 'uncertain') return { messageId: row.messageId, sent: false, uncertain: true };
  return {
    messageId: row.messageId,
    sent: false,
    ...(row.status === 'failed' ? { failed: row.failure ?? '' } : {}),
  };
}
