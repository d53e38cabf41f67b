// Sending mail, exactly once per step. An activity may be retried after it
// sent but before it reported success, so every send is keyed by
// `<workflowId>/<step>`: the key's SentMail row is checked first and written
// right after the SMTP server accepted the message. The Message-ID is derived
// from the key, so even a crash between the send and the row yields the same
// Message-ID, which receiving servers and clients collapse as one message.
import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { PrismaClient } from '../db.ts';

export type MailKind = 'notice' | 'request' | 'reminder' | 'escalation' | 'verdict' | 'other';

export interface OutgoingMail {
  /** idempotency key: `<workflowId>/<step>` */
  key: string;
  kind: MailKind;
  workflowId?: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
}

export interface SendResult {
  messageId: string;
  /** false when the key had been sent before and nothing was sent now */
  sent: boolean;
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

export function messageIdFor(key: string, domain: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 24);
  return `<duban.${digest}@${domain}>`;
}

export async function sendOnce(deps: MailDeps, mail: OutgoingMail): Promise<SendResult> {
  const messageId = messageIdFor(mail.key, deps.domain);
  const existing = await deps.prisma.sentMail.findUnique({ where: { key: mail.key } });
  if (existing) return { messageId: existing.messageId, sent: false };
  await deps.transport.sendMail({
    from: deps.from,
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    replyTo: mail.replyTo,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    messageId,
    envelope: { from: deps.bounceAddress, to: [...mail.to, ...(mail.cc ?? [])] },
    headers: {
      // Tell auto-responders not to answer: no mail loops.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'OOF, AutoReply',
      ...mail.headers,
    },
  });
  await deps.prisma.sentMail.upsert({
    where: { key: mail.key },
    create: {
      key: mail.key,
      messageId,
      kind: mail.kind,
      workflowId: mail.workflowId,
      toAddrs: mail.to,
      ccAddrs: mail.cc ?? [],
      subject: mail.subject,
    },
    update: {},
  });
  return { messageId, sent: true };
}
