// Who and what a message refers to: headers as the client sent them, sender
// and recipient addresses, the reply token in a plus-address, the subject's
// [督办-<ref>] reference and its Re:/回复： prefixes, and the message ids
// (In-Reply-To, References, and messageKey, the key Duban stores a message under).
import { createHash } from 'node:crypto';
import type { AddressObject, ParsedMail } from 'mailparser';
import type { ParseOptions } from './types.ts';

/** Token and reference alphabet (tokens.ts): lower-case base32. */
const TOKEN_RE = /^[a-z2-7]{8,200}$/;
export const SUBJECT_REFERENCE_RE = /[[【]督[办辦][-－—]([a-z2-7]{6,32})[\]】]/i;

/** A header's raw value (unfolded, RFC 2047 words left encoded), or undefined. */
export function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name);
  return line ? line.line.replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, ' ') : undefined;
}

/**
 * A header's value read from the raw bytes (unfolded, RFC 2047 words left
 * encoded): an 8-bit header (SMTPUTF8/8BITMIME clients write raw UTF-8, a
 * few old ones raw GBK) decoded as UTF-8 when it is UTF-8, else GB18030 —
 * never as Latin-1. Undefined when absent.
 */
export function rawHeaderBytes(raw: Buffer, name: string): string | undefined {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 256 * 1024)).toString('latin1');
  const escaped = name.replace(/[-]/g, '\\-');
  const m = new RegExp(`^${escaped}:[ \\t]*((?:[^\\r\\n]*)(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, 'im').exec(head);
  if (!m) return undefined;
  return decode8bit(Buffer.from(m[1]!, 'latin1')).replace(/\r?\n[ \t]+/g, ' ');
}

/** Bytes of a header or a label: UTF-8 when they are UTF-8, else GB18030. */
export function decode8bit(bytes: Buffer): string {
  if (!bytes.some((b) => b >= 0x80)) return bytes.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** A header as mailparser decoded it, as text ('' when absent). */
export function headerText(parsed: ParsedMail, name: string): string {
  const v = parsed.headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value);
  return String(v);
}

export function addresses(
  obj: AddressObject | AddressObject[] | undefined,
): { address: string; name: string }[] {
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

export function plainAddresses(value: string): string[] {
  return [...value.matchAll(/<?([^\s<>,;"]+@[^\s<>,;"]+)>?/g)].map((m) => m[1]!.toLowerCase());
}

const SUBJECT_PREFIX_RE = /^\s*(?:re|fw|fwd|aw|wg|回复|答复|回覆|转发|轉寄|转寄)(?:\[\d+\])?\s*[:：]\s*/i;

export function cleanSubject(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10 && SUBJECT_PREFIX_RE.test(s); i++) s = s.replace(SUBJECT_PREFIX_RE, '');
  return s.trim();
}

export function tokenFrom(recipients: string[], options: ParseOptions): string | null {
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

export function messageIds(value: string | string[] | undefined): string[] {
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
  // a usable id is printable ASCII of a sane length (a NUL cannot be stored, and a
  // key of kilobytes overflows the unique index); anything else is keyed by content
  const usable = id !== undefined && id.length <= 250 && /^<[\x21-\x7e]+>$/.test(id);
  return usable ? id : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}
