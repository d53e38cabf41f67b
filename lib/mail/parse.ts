// The reply parser: what a unit's answer says, from the raw message as its
// mail client sent it. Decoding is mailparser's (MIME, base64/QP, RFC 2047);
// the rest is ours, because the npm reply-quote strippers miss most Chinese
// clients' quote headers (FACTS.md): stripping the quoted original and the
// signature, reading status and percent only from labelled lines, and
// recognising auto-replies and bounces so they never become reports.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import {
  simpleParser,
  type AddressObject,
  type ParsedMail,
  type MailParserOptions as ParserOptions,
} from 'mailparser';
import { REPORT_STATUSES, type ReportStatus } from '../../workflows/types.ts';

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

/** Token and reference alphabet (tokens.ts): lower-case base32. */
const TOKEN_RE = /^[a-z2-7]{8,200}$/;
export const SUBJECT_REFERENCE_RE = /[[【]督[办辦][-－—]([a-z2-7]{6,32})[\]】]/i;

// Clients mislabel GBK and GB18030 text as gb2312; browsers decode all three
// with GB18030, and so do we (iconv-lite's gbk table lacks the 4-byte range).
function mapCharset(charset: string): string {
  const c = charset.trim().toLowerCase();
  if (/^(gb2312|gb_2312(-80)?|csgb2312|gbk|x-gbk|cp936|ms936|windows-936|chinese|euc-cn|gb18030)$/.test(c))
    return 'gb18030';
  if (/^(big5|big5-hkscs|x-big5|cn-big5|cp950)$/.test(c)) return 'big5hkscs';
  return c;
}

function GbAwareIconv(charset: string): NodeJS.ReadWriteStream {
  const mapped = mapCharset(charset);
  return iconv.decodeStream(iconv.encodingExists(mapped) ? mapped : 'utf8');
}

/** RFC 2047 words decoded with our charset mapping (mailparser's header path uses plain GBK). */
export function decodeMimeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([bq])\?([^?]*)\?=/gi,
      (_m, charset: string, enc: string, data: string) => {
        const bytes =
          enc.toLowerCase() === 'b'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
                'latin1',
              );
        const mapped = mapCharset(charset);
        return iconv.encodingExists(mapped) ? iconv.decode(bytes, mapped) : bytes.toString('utf8');
      },
    );
}

function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name);
  return line ? line.line.replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, ' ') : undefined;
}

function headerText(parsed: ParsedMail, name: string): string {
  const v = parsed.headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value);
  return String(v);
}

function addresses(obj: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  if (!obj) return [];
  const list = Array.isArray(obj) ? obj : [obj];
  const out: { address: string; name: string }[] = [];
  const walk = (v: { address?: string; name: string; group?: unknown[] }) => {
    if (v.address) out.push({ address: v.address.toLowerCase(), name: v.name });
    for (const g of (v.group ?? []) as { address?: string; name: string }[]) walk(g);
  };
  for (const a of list) for (const v of a.value) walk(v);
  return out;
}

function plainAddresses(value: string): string[] {
  return [...value.matchAll(/<?([^\s<>,;"]+@[^\s<>,;"]+)>?/g)].map((m) => m[1]!.toLowerCase());
}

const SUBJECT_PREFIX_RE = /^\s*(?:re|fw|fwd|aw|wg|回复|答复|回覆|转发|轉寄|转寄)(?:\[\d+\])?\s*[:：]\s*/i;

export function cleanSubject(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10 && SUBJECT_PREFIX_RE.test(s); i++) s = s.replace(SUBJECT_PREFIX_RE, '');
  return s.trim();
}

// ---------------------------------------------------------------- HTML

const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  mdash: '—',
  hellip: '…',
  middot: '·',
  ensp: ' ',
  emsp: ' ',
  yen: '¥',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

// Where the quoted original begins in an HTML reply, per client: Outlook's
// divRplyFwdMsg (and the border-top div of the desktop client), Gmail's
// gmail_quote, NetEase Mail Master's ntes-mailmaster-quote, 163/126's
// isReplyContent, Thunderbird's moz-cite-prefix, and any blockquote.
const HTML_QUOTE_MARKERS: RegExp[] = [
  /<div[^>]*\bid=["']?divRplyFwdMsg/i,
  /<div[^>]*\bid=["']?appendonsend/i,
  /<div[^>]*style=["'][^"']*border-top:\s*solid\s+#(?:E1E1E1|B5C4DF)/i,
  /<(?:div|blockquote)[^>]*\bclass=["'][^"']*gmail_quote/i,
  /<(?:div|blockquote)[^>]*\bclass=["'][^"']*ntes-mailmaster-quote/i,
  /<[a-z]+[^>]*\bid=["']?(?:isReplyContent|isForwardContent|origbody|reference_mail)/i,
  /<div[^>]*\bclass=["'][^"']*moz-cite-prefix/i,
  /<blockquote\b/i,
];

export function htmlToText(html: string): string {
  let h = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '');
  let cut = h.length;
  for (const re of HTML_QUOTE_MARKERS) {
    const m = re.exec(h);
    if (m && m.index < cut) cut = m.index;
  }
  h = h.slice(0, cut);
  h = h
    .replace(/\r?\n/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|tr|li|h[1-6]|table|ul|ol|pre|blockquote)\s*>/gi, '\n')
    // an opening block starts a line only if one is not already started
    .replace(/<(p|div|tr|h[1-6]|table|hr)\b[^>]*>/gi, '\uE000')
    .replace(/<\/t[dh]\s*>/gi, '\t')
    .replace(/<[^>]+>/g, '')
    .replace(/\uE000+/g, '\uE000')
    .replace(/(^|\n)\uE000/g, '$1')
    .replace(/\uE000/g, '\n');
  return decodeEntities(h)
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------- quotes

const SEPARATOR_RE =
  /^\s*[-—–]{2,}\s*(原始邮件|原始郵件|邮件原件|郵件原件|原邮件|回复的原邮件|转发的原邮件|转发邮件信息|转发的邮件|Original Message|Original|Forwarded message|Reply message)\s*[-—–]{2,}/i;
const HEADER_FROM_RE = /^\s*\**\s*(发件人|发信人|From)\s*\**\s*(?:[:：]|\s)\s*\S/i;
const HEADER_NEXT_RE =
  /^\s*\**\s*(发送时间|发件时间|日期|时间|Sent|Date|收件人|To|抄送|Cc|主题|Subject)\s*\**\s*(?:[:：]|\s)/i;
const ATTRIBUTION_END_RE = /(写道|寫道|wrote)\s*[:：]?\s*$/i;
const ATTRIBUTION_START_RE =
  /^\s*(在|On\s|于\s*\d)|于\s*\d{4}\s*[年-]|^\s*\d{4}\s*[年\-/.]\s*\d{1,2}|<[^>]*@|@/i;
const SIGNATURE_DASHES_RE = /^--\s?$/;
const SENT_FROM_RE =
  /^\s*(发自我的|来自我的|发自\s*(网易|QQ|139|手机|移动|Coremail|Foxmail|WPS|企业微信|华为|小米|荣耀|vivo|OPPO)|Sent from my\b|Get Outlook for\b|从我的\s*\S+\s*发送)/i;

/** The reply without the quoted original and the signature. */
export function stripQuotes(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length && i < cut; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (SEPARATOR_RE.test(line)) {
      cut = i;
      break;
    }
    if (/^_{8,}$/.test(t) && lines.slice(i + 1, i + 4).some((l) => HEADER_FROM_RE.test(l))) {
      cut = i;
      break;
    }
    if (HEADER_FROM_RE.test(line) && lines.slice(i + 1, i + 5).some((l) => HEADER_NEXT_RE.test(l))) {
      // an English "From x" needs its colon; 发件人 may go without
      if (/^\s*\**\s*From\b/i.test(line) && !/^\s*\**\s*From\s*\**\s*:/i.test(line)) continue;
      cut = i;
      break;
    }
    if (ATTRIBUTION_END_RE.test(t) && t.length < 240) {
      const prev = i > 0 ? lines[i - 1]!.trim() : '';
      if (ATTRIBUTION_START_RE.test(t) || /^On\s/i.test(t)) {
        // Gmail wraps "名字 <地址>" and "于2022年…写道：" onto two lines
        cut = /^\s*于\s*\d/.test(t) && prev && !/[。！？.!?]$/.test(prev) ? i - 1 : i;
        break;
      }
      // the attribution wrapped onto two lines
      if (prev && !/[。！？.!?]$/.test(prev) && (ATTRIBUTION_START_RE.test(prev) || /^On\s/i.test(prev))) {
        cut = i - 1;
        break;
      }
      if (/(写道|寫道)\s*[:：]\s*$/.test(t) && t.length < 80 && /[<"“]/.test(t)) {
        cut = i;
        break;
      }
    }
    if (SIGNATURE_DASHES_RE.test(line)) {
      cut = i;
      break;
    }
    if (SENT_FROM_RE.test(line) && t.length < 60) {
      cut = i;
      break;
    }
  }
  return lines
    .slice(0, cut)
    .filter((l) => !/^\s*>/.test(l))
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------- status

/** Every way a unit may write a status, mapped to the six words. Longest first at a position. */
const STATUS_WORDS: [string, ReportStatus][] = [
  ['部分完成', '部分完成'],
  ['基本完成', '部分完成'],
  ['未完成', '未完成'],
  ['没有完成', '未完成'],
  ['尚未完成', '未完成'],
  ['全部完成', '完成'],
  ['已经完成', '完成'],
  ['已完成', '完成'],
  ['已办结', '完成'],
  ['完成', '完成'],
  ['正常推进', '推进中'],
  ['按计划推进', '推进中'],
  ['有序推进', '推进中'],
  ['推进中', '推进中'],
  ['进行中', '推进中'],
  ['正在推进', '推进中'],
  ['进度滞后', '滞后'],
  ['滞后', '滞后'],
  ['受阻', '受阻'],
  // Big5 writers (Hong Kong / Taiwan clients) use traditional characters
  ['推進中', '推进中'],
  ['進行中', '推进中'],
  ['正常推進', '推进中'],
  ['滯後', '滞后'],
  ['進度滯後', '滞后'],
];

export function normaliseStatus(value: string): { status: ReportStatus; word: string } | null {
  let best: { pos: number; word: string; status: ReportStatus } | null = null;
  for (const [word, status] of STATUS_WORDS) {
    const pos = value.indexOf(word);
    if (pos < 0) continue;
    if (!best || pos < best.pos || (pos === best.pos && word.length > best.word.length))
      best = { pos, word, status };
  }
  return best ? { status: best.status, word: best.word } : null;
}

const LABEL_BOUNDARY = String.raw`(?:^|[\s,，;；。、|【\[(（])`;
const STATUS_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:当前)?(?:状态|完成情况|进展情况|推进情况|任务状态|狀態|完成情況)[】\\])）]?\\s*(?::|\\s)\\s*(.*)$`,
);
const PERCENT_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:进度|完成率|完成进度|完成比例|完成度|总体进度|進度)[】\\])）]?\\s*(?::|\\s)?\\s*(?:约|达到|已达)?\\s*(\\d{1,3}(?:\\.\\d+)?)\\s*(%)?`,
);
const REASON_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:原因|情况说明|说明|存在问题|困难问题|滞后原因|受阻原因|原因說明)[】\\])）]?\\s*:\\s*(.+)$`,
);

/** Status, percent and reason from labelled lines only. */
export function readLabels(text: string): {
  status: ReportStatus | null;
  statusWord: string | null;
  percent: number | null;
  reason: string | null;
} {
  let status: ReportStatus | null = null;
  let statusWord: string | null = null;
  let percent: number | null = null;
  let reason: string | null = null;
  for (const raw of text.split('\n')) {
    // NFKC folds full-width colons, digits and ％ to ASCII
    const line = raw.normalize('NFKC');
    if (!status) {
      const m = STATUS_LABEL_RE.exec(line);
      const found = m ? normaliseStatus(m[1]!.split(/\s*(?:进度|完成率|原因|说明)\s*:/)[0]!) : null;
      if (found) {
        status = found.status;
        statusWord = found.word;
      }
    }
    if (percent === null) {
      const m = PERCENT_LABEL_RE.exec(line);
      if (m && (m[2] || /(?:进度|完成率|完成进度|完成比例|完成度|总体进度|進度)[】\])）]?\s*:/.test(line))) {
        const n = Math.round(Number(m[1]));
        if (n >= 0 && n <= 100) percent = n;
      }
    }
    if (!reason) {
      const m = REASON_LABEL_RE.exec(line);
      if (m) reason = raw.slice(raw.length - m[1]!.length).trim() || null;
    }
  }
  return { status, statusWord, percent, reason };
}

// ---------------------------------------------------------------- auto-replies and bounces

// Only at the start of the subject: task text in a quoted subject may hold any word.
const AUTO_SUBJECT_RE =
  /^[\s[【(（]*(自动回复|自动答复|自動回覆|auto(?:matic)?[\s-]*(?:reply|response|antwort)|out of (?:the )?office|不在办公室)/i;
const BOUNCE_SUBJECT_RE =
  /(undeliver|delivery status notification|delivery failure|mail delivery failed|returned mail|failure notice|退信|投递失败|无法投递|发送失败|系统退信|邮件被退回)/i;

function detectBounce(
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

function detectAutoReply(parsed: ParsedMail, subjectClean: string): boolean {
  const auto = (rawHeader(parsed, 'auto-submitted') ?? '').trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  for (const h of ['x-autoreply', 'x-autorespond', 'x-auto-reply', 'x-autoreply-from', 'x-mail-autoreply']) {
    if (rawHeader(parsed, h) !== undefined) return true;
  }
  const precedence = (rawHeader(parsed, 'precedence') ?? '').trim().toLowerCase();
  if (['auto_reply', 'auto-reply', 'bulk', 'junk'].includes(precedence)) return true;
  return AUTO_SUBJECT_RE.test(subjectClean) && subjectClean.length < 120;
}

// ---------------------------------------------------------------- the whole message

function tokenFrom(recipients: string[], options: ParseOptions): string | null {
  for (const address of recipients) {
    const m = /^([^+@]+)\+([^@]+)@(.+)$/.exec(address);
    if (!m) continue;
    if (options.replyInbox && m[1]!.toLowerCase() !== options.replyInbox.toLowerCase()) continue;
    if (options.replyDomain && m[3]!.toLowerCase() !== options.replyDomain.toLowerCase()) continue;
    const token = m[2]!.toLowerCase();
    if (TOKEN_RE.test(token)) return token;
  }
  return null;
}

function messageIds(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => v.match(/<[^<>\s]+>/g) ?? (v.trim() ? [v.trim()] : []));
}

/** The Message-ID as Duban keys a message: the header's `<…>`, else `sha256:<hex>` of the raw bytes. */
export function messageKey(raw: Buffer): string {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024)).toString('latin1');
  const m = /^message-id:[ \t]*((?:.|\r?\n[ \t])*)/im.exec(head);
  const id = m?.[1]
    ?.replace(/\r?\n[ \t]+/g, ' ')
    .trim()
    .match(/<[^<>\s]+>/)?.[0];
  return id ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

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
  const rawFrom = rawHeader(parsed, 'from');
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

  const rawSubject = rawHeader(parsed, 'subject');
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

  return {
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
