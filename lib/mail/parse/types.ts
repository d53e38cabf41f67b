// What the reply parser reads from one raw message (index.ts assembles it).
import type { ReportStatus } from '../../../workflows/types.ts';

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface ParsedReply {
  /** Message-ID header, or `sha256:<hex>` of the raw bytes when it has none */
  messageId: string;
  hasMessageId: boolean;
  /** sender address, lower case */
  from: string | null;
  fromName: string | null;
  /** every recipient address seen: To, Cc, Delivered-To, X-Original-To, Envelope-To */
  recipients: string[];
  subject: string;
  /** the subject without Re/回复/转发… prefixes */
  subjectClean: string;
  date: number | null;
  inReplyTo: string | null;
  references: string[];
  /** the plus-address part of a reply address (`duban+<token>@…`), if any */
  token: string | null;
  /** the bracketed subject reference (`[督办-<ref>]`), if any */
  reference: string | null;
  status: ReportStatus | null;
  /** the status word as written (已完成, 进行中…) */
  statusWord: string | null;
  percent: number | null;
  /** a labelled 原因 / 说明 line, if any */
  reason: string | null;
  /** the reply without quoted history or signature */
  text: string;
  attachments: ParsedAttachment[];
  autoReply: boolean;
  bounce: boolean;
  /** for bounces: the addresses that failed */
  bounceRecipients: string[];
}

export interface ParseOptions {
  /** only plus-addresses on this local part count as tokens (config.mail.replyInbox) */
  replyInbox?: string;
  replyDomain?: string;
}
