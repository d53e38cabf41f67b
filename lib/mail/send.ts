// Sending mail, exactly once per step. An activity may be retried after it
// sent but before it reported success, so every send is keyed by
// `<workflowId>/<step>`: the key's SentMail row is checked first and written
// right after the SMTP server accepted the message. The Message-ID is derived
// from the key, so even a crash between the send and the row yields the same
// Message-ID, which receiving servers and clients collapse as one message.
// A permanent refusal (an SMTP 5xx) is written as the key's row too, status
// 'failed' with the server's words: it is recorded once and never tried
// again, where retrying would only hear the same refusal. Each row says whom
// the mail was for (unitName) and the thread it belongs to (inReplyTo).
import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { PrismaClient } from '../db.ts';
import { oneLine } from '../text.ts';
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

/** An address as one header-safe token: no CR/LF, no second address smuggled in. */
function safeAddress(address: string): string {
  const a = address.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\u0000-\u001f,;]/.test(a)) throw new Error(`邮件地址含有非法字符：${JSON.stringify(address)}`);
  return a;
}

export async function sendOnce(deps: MailDeps, mail: OutgoingMail): Promise<SendResult> {
  const messageId = messageIdFor(mail.key, deps.domain);
  const existing = await deps.prisma.sentMail.findUnique({ where: { key: mail.key } });
  if (existing)
    return {
      messageId: existing.messageId,
      sent: false,
      ...(existing.status === 'failed' ? { failed: existing.failure ?? '' } : {}),
    };
  // A reminder threaded under its request carries the request's token on
  // its row too, so a reply to the reminder (In-Reply-To) finds the task.
  let replyToken = mail.replyToken;
  if (!replyToken && mail.inReplyTo) {
    replyToken =
      (await deps.prisma.sentMail.findUnique({ where: { messageId: mail.inReplyTo } }))?.replyToken ??
      undefined;
  }
  const to = mail.to.map(safeAddress);
  const cc = mail.cc?.map(safeAddress);
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
    toAddrs: to,
    ccAddrs: cc ?? [],
    subject,
    replyToken: replyToken ?? null,
    replyRef: replyToken ? tokenReference(replyToken) : null,
    inReplyTo: mail.inReplyTo ?? null,
  };
  let rejected: string[] = [];
  try {
    const info = (await deps.transport.sendMail({
      from: deps.from,
      to,
      cc,
      subject,
      text: mail.text,
      html: mail.html,
      replyTo: mail.replyTo ? safeAddress(mail.replyTo) : undefined,
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
    if (!failure) throw err;
    await deps.prisma.sentMail.upsert({
      where: { key: mail.key },
      create: { ...row, status: 'failed', failure },
      update: {},
    });
    return { messageId, sent: false, failed: failure };
  }
  await deps.prisma.sentMail.upsert({
    where: { key: mail.key },
    create: {
      ...row,
      ...(rejected.length ? { failure: `部分收件人被拒收：${rejected.join('、')}` } : {}),
    },
    update: {},
  });
  return { messageId, sent: true, ...(rejected.length ? { rejected } : {}) };
}
