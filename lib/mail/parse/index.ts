// The reply parser: what a unit's answer says, from the raw message as its
// mail client sent it. Decoding is mailparser's (MIME, base64/QP, RFC 2047);
// the rest is ours, one file per concern:
//   decode.ts        charsets, RFC 2047 words, HTML → text, entities
//   quotes.ts        the quoted original and the signature (stripQuotes)
//   labels.ts        status (and its synonyms), percent and reason from labelled lines
//   auto-replies.ts  auto-replies and bounces, which never become reports
//   addresses.ts     addresses, tokens, subject references, message ids (messageKey)
// This file assembles them into a ParsedReply, and the `inbox parse` contract.
import { simpleParser, type MailParserOptions as ParserOptions } from 'mailparser';
import { REPORT_STATUSES } from '../../../workflows/types.ts';
import {
  addresses,
  messageIds,
  messageKey,
  plainAddresses,
  rawHeader,
  rawHeaderBytes,
  cleanSubject,
  SUBJECT_REFERENCE_RE,
  tokenFrom,
} from './addresses.ts';
import { detectAutoReply, detectBounce } from './auto-replies.ts';
import { decodeMimeWords, GbAwareIconv, htmlToText } from './decode.ts';
import { readLabels } from './labels.ts';
import { stripQuotes } from './quotes.ts';
import type { ParsedAttachment, ParsedReply, ParseOptions } from './types.ts';

export type { ParsedAttachment, ParsedReply, ParseOptions } from './types.ts';
export {
  cleanSubject,
  messageKey,
  plainAddresses,
  rawHeaderBytes,
  SUBJECT_REFERENCE_RE,
} from './addresses.ts';
export { decodeEntities, decodeMimeWords, htmlToText } from './decode.ts';
export { normaliseStatus, readLabels } from './labels.ts';
export { stripQuotes } from './quotes.ts';

export async function parseReply(raw: Buffer, options: ParseOptions = {}): Promise<ParsedReply> {
  const options_: ParserOptions & { keepDeliveryStatus?: boolean } = {
    Iconv: GbAwareIconv as unknown as ParserOptions['Iconv'],
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    keepDeliveryStatus: true,
  };
  const parsed = await simpleParser(raw, options_);
  const rawText = raw.toString('latin1');

  const fromList = addresses(parsed.from);
  const from = fromList[0]?.address ?? null;
  const rawFrom = rawHeaderBytes(raw, 'from') ?? rawHeader(parsed, 'from');
  const fromName = rawFrom
    ? decodeMimeWords(rawFrom)
        .replace(/<[^>]*>/, '')
        .replace(/["']/g, '')
        .trim() || null
    : null;

  const recipients = new Set<string>(
    [...addresses(parsed.to), ...addresses(parsed.cc)].map((a) => a.address),
  );
  for (const h of ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'x-rcpt-to']) {
    for (const line of parsed.headerLines.filter((l) => l.key === h)) {
      for (const a of plainAddresses(line.line.replace(/^[^:]*:/, ''))) recipients.add(a);
    }
  }

  // from the bytes: mailparser reads an 8-bit (raw UTF-8) subject as Latin-1
  const rawSubject = rawHeaderBytes(raw, 'subject') ?? rawHeader(parsed, 'subject');
  const subject = rawSubject !== undefined ? decodeMimeWords(rawSubject).trim() : (parsed.subject ?? '');
  const subjectClean = cleanSubject(subject);
  const reference = SUBJECT_REFERENCE_RE.exec(subject)?.[1]?.toLowerCase() ?? null;

  const messageId = messageKey(raw);
  const hasMessageId = !messageId.startsWith('sha256:');

  const { bounce, recipients: bounceRecipients } = detectBounce(parsed, rawText, from);
  const autoReply = !bounce && detectAutoReply(parsed, subjectClean);

  // mailparser fills `text` from the HTML when there is no text/plain part;
  // an HTML-only reply is cut at its quote markers instead, so ask the raw
  // message whether the sender wrote plain text.
  const hasPlain = /^content-type:\s*text\/plain/im.test(rawText) || !/^content-type:/im.test(rawText);
  const body =
    hasPlain && parsed.text && parsed.text.trim()
      ? parsed.text
      : typeof parsed.html === 'string'
        ? htmlToText(parsed.html)
        : (parsed.text ?? '');
  const text = stripQuotes(body);
  const labels =
    bounce || autoReply ? { status: null, statusWord: null, percent: null, reason: null } : readLabels(text);

  const attachments: ParsedAttachment[] = parsed.attachments
    // inline images of an HTML signature (cid:, "related") are not material the unit sent
    .filter((a) => a.contentDisposition === 'attachment' || (a.filename && !a.related))
    .filter(
      (a) =>
        !/^message\/(delivery-status|global-delivery-status)$|^text\/rfc822-headers$/i.test(a.contentType),
    )
    .map((a) => ({
      filename: a.filename ? decodeMimeWords(a.filename) : '未命名附件',
      contentType: a.contentType,
      size: a.size ?? a.content.length,
      content: a.content,
    }));

  return withoutNul({
    messageId,
    hasMessageId,
    from,
    fromName,
    recipients: [...recipients],
    subject,
    subjectClean,
    date: parsed.date ? parsed.date.getTime() : null,
    inReplyTo: messageIds(parsed.inReplyTo)[0] ?? null,
    references: messageIds(parsed.references),
    token: tokenFrom([...recipients], options),
    reference,
    ...labels,
    text,
    attachments,
    autoReply,
    bounce,
    bounceRecipients,
  });
}

/**
 * NUL bytes (U+0000) cannot be stored in PostgreSQL text and mean nothing in
 * a reply: every string read from a message loses them here (the raw message
 * keeps them, as bytes).
 */
export function stripNul(s: string): string {
  return s.includes('\u0000') ? s.split('\u0000').join('') : s;
}

function withoutNul(p: ParsedReply): ParsedReply {
  const c = (s: string | null) => (s === null ? null : stripNul(s));
  return {
    ...p,
    from: c(p.from),
    fromName: c(p.fromName),
    recipients: p.recipients.map(stripNul),
    subject: stripNul(p.subject),
    subjectClean: stripNul(p.subjectClean),
    inReplyTo: c(p.inReplyTo),
    references: p.references.map(stripNul),
    statusWord: c(p.statusWord),
    reason: c(p.reason),
    text: stripNul(p.text),
    attachments: p.attachments.map((a) => ({
      ...a,
      filename: stripNul(a.filename),
      contentType: stripNul(a.contentType),
    })),
    bounceRecipients: p.bounceRecipients.map(stripNul),
  };
}

/** The `duban inbox parse --json` shape (DESIGN.md), plus a few extra keys. */
export function parseContract(p: ParsedReply) {
  return {
    messageId: p.messageId,
    from: p.from,
    token: p.token,
    status: p.status,
    percent: p.percent,
    text: p.text,
    attachments: p.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
    })),
    autoReply: p.autoReply,
    bounce: p.bounce,
    reference: p.reference,
    subject: p.subject,
    statusWord: p.statusWord,
    reason: p.reason,
    bounceRecipients: p.bounceRecipients,
    inReplyTo: p.inReplyTo,
  };
}

export { REPORT_STATUSES };
