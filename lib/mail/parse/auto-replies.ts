// Auto-replies and bounces: recognised from their headers (and a subject
// only at its start), so they are recorded and never become reports.
import type { ParsedMail } from 'mailparser';
import { headerText, plainAddresses, rawHeader } from './addresses.ts';

// Only at the start of the subject: task text in a quoted subject may hold any word.
const AUTO_SUBJECT_RE =
  /^[\s[【(（]*(自动回复|自动答复|自動回覆|auto(?:matic)?[\s-]*(?:reply|response|antwort)|out of (?:the )?office|不在办公室)/i;
const BOUNCE_SUBJECT_RE =
  /(undeliver|delivery status notification|delivery failure|mail delivery failed|returned mail|failure notice|退信|投递失败|无法投递|发送失败|系统退信|邮件被退回)/i;

export function detectBounce(
  parsed: ParsedMail,
  rawText: string,
  from: string | null,
): { bounce: boolean; recipients: string[] } {
  const contentType = headerText(parsed, 'content-type');
  const ct = parsed.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  const isReport =
    ct?.value?.toLowerCase() === 'multipart/report' &&
    (ct.params?.['report-type'] ?? '').toLowerCase() === 'delivery-status';
  const returnPath = rawHeader(parsed, 'return-path');
  const daemon = !!from && /^(mailer-daemon|postmaster|mail-daemon|mailer_daemon)@/i.test(from);
  const bounce =
    isReport ||
    /report-type=["']?delivery-status/i.test(contentType) ||
    daemon ||
    (returnPath !== undefined &&
      /^<\s*>$/.test(returnPath.trim()) &&
      BOUNCE_SUBJECT_RE.test(parsed.subject ?? '')) ||
    (BOUNCE_SUBJECT_RE.test(parsed.subject ?? '') &&
      (daemon || /delivery-status|Final-Recipient/i.test(rawText)));
  if (!bounce) return { bounce: false, recipients: [] };
  const recipients = new Set<string>();
  for (const m of rawText.matchAll(/^(?:Final|Original)-Recipient:\s*rfc822;\s*<?([^\s<>;]+@[^\s<>;]+)>?/gim))
    recipients.add(m[1]!.toLowerCase());
  const failed = rawHeader(parsed, 'x-failed-recipients');
  if (failed) for (const a of plainAddresses(failed)) recipients.add(a);
  return { bounce: true, recipients: [...recipients] };
}

export function detectAutoReply(parsed: ParsedMail, subjectClean: string): boolean {
  const auto = (rawHeader(parsed, 'auto-submitted') ?? '').trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  for (const h of ['x-autoreply', 'x-autorespond', 'x-auto-reply', 'x-autoreply-from', 'x-mail-autoreply']) {
    if (rawHeader(parsed, h) !== undefined) return true;
  }
  const precedence = (rawHeader(parsed, 'precedence') ?? '').trim().toLowerCase();
  if (['auto_reply', 'auto-reply', 'bulk', 'junk'].includes(precedence)) return true;
  return AUTO_SUBJECT_RE.test(subjectClean) && subjectClean.length < 120;
}
