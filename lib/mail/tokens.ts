// Reply tokens. Each request carries a signed token naming the task's
// workflow, the unit and the period, with an expiry. The full token is
// self-contained (HMAC-SHA256 with TOKEN_SECRET) and goes into the web reply
// link; it is too long for an address's local part (64 octets), so the
// Reply-To plus-address and the subject carry a short reference derived from
// it, which the SentMail row of the mail maps back to the token.
//
// Everything is lower-case base32 ([a-z2-7]): safe in URLs and in local
// parts, and unharmed by servers that fold the case of addresses.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db.ts';
import type { Config } from '../config.ts';

export interface ReplyClaims {
  workflowId: string;
  unit: string;
  period: string;
  /** epoch ms */
  expiresAt: number;
}

export type TokenRefusal = '伪造' | '过期' | '格式错误' | '未知引用';

export type VerifyResult = { ok: true; claims: ReplyClaims } | { ok: false; reason: TokenRefusal };

const VERSION = 1;
const MAC_BYTES = 12;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of a base32 text, or null. Only the one spelling base32() writes
 * is read: lower case, no character left over, and the unused low bits of
 * the last character zero — so a token has exactly one valid spelling.
 */
export function unbase32(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  // a whole character left over, or padding bits that are not zero: another spelling
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return null;
  return Buffer.from(out);
}

function mac(payload: Buffer, secret: string): Buffer {
  return createHmac('sha256', secret)
    .update('duban-reply-token')
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

function field(value: string, name: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 255) throw new Error(`回复令牌的${name}过长（${bytes.length} 字节，最多 255）`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A signed token for one unit's reply to one period of one task. */
export function signReplyToken(claims: ReplyClaims, secret: string): string {
  const expiry = Buffer.alloc(4);
  expiry.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.ceil(claims.expiresAt / 1000))));
  const payload = Buffer.concat([
    Buffer.from([VERSION]),
    expiry,
    field(claims.workflowId, '工作流标识'),
    field(claims.unit, '单位名称'),
    field(claims.period, '周期'),
  ]);
  return base32(Buffer.concat([payload, mac(payload, secret)]));
}

export function verifyReplyToken(token: string, secret: string, now: number): VerifyResult {
  const bytes = token.length <= 1024 && /^[a-z2-7]+$/.test(token) ? unbase32(token) : null;
  if (!bytes || bytes.length < 1 + 4 + 3 + MAC_BYTES || bytes[0] !== VERSION)
    return { ok: false, reason: '格式错误' };
  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  if (!timingSafeEqual(given, mac(payload, secret))) return { ok: false, reason: '伪造' };
  let pos = 5;
  const read = (): string | null => {
    const len = payload[pos];
    if (len === undefined || pos + 1 + len > payload.length) return null;
    const s = payload.subarray(pos + 1, pos + 1 + len).toString('utf8');
    pos += 1 + len;
    return s;
  };
  const workflowId = read();
  const unit = read();
  const period = read();
  if (workflowId === null || unit === null || period === null || pos !== payload.length)
    return { ok: false, reason: '格式错误' };
  const expiresAt = payload.readUInt32BE(1) * 1000;
  if (now > expiresAt) return { ok: false, reason: '过期' };
  return { ok: true, claims: { workflowId, unit, period, expiresAt } };
}

/** The short reference of a token (12 base32 characters, 60 bits). */
export function tokenReference(token: string): string {
  return base32(createHash('sha256').update('duban-reply-ref').update(token).digest()).slice(0, 12);
}

type MailConfig = Pick<Config, 'mail'>;

/** `<inbox>+<reference>@<domain>`: the Reply-To of a request. */
export function replyAddress(token: string, config: MailConfig): string {
  return `${config.mail.replyInbox}+${tokenReference(token)}@${config.mail.replyDomain}`;
}

/** `[督办-<reference>]`, for the subject: survives servers that drop plus-addresses. */
export function subjectReference(token: string): string {
  return `[督办-${tokenReference(token)}]`;
}

/** The web reply form for this token. */
export function replyLink(token: string, config: { web: Pick<Config['web'], 'publicUrl'> }): string {
  return `${config.web.publicUrl.replace(/\/+$/, '')}/reply/${token}`;
}

/** Everything a request mail needs from its token, in one call. */
export function replyFields(token: string, config: MailConfig & { web: Pick<Config['web'], 'publicUrl'> }) {
  return {
    replyToken: token,
    replyTo: replyAddress(token, config),
    reference: subjectReference(token),
    link: replyLink(token, config),
  };
}

/**
 * A token, a reference or a message id back to the signed token: the
 * reference through the SentMail row of the mail that carried it.
 */
export async function resolveReference(prisma: PrismaClient, ref: string): Promise<string | null> {
  const row = await prisma.sentMail.findFirst({
    where: { replyRef: ref.toLowerCase(), replyToken: { not: null } },
    orderBy: { id: 'desc' },
  });
  return row?.replyToken ?? null;
}

export async function tokenForMessageIds(prisma: PrismaClient, ids: string[]): Promise<string | null> {
  if (ids.length === 0) return null;
  const rows = await prisma.sentMail.findMany({
    where: { messageId: { in: ids }, replyToken: { not: null } },
    orderBy: { id: 'desc' },
    take: 1,
  });
  return rows[0]?.replyToken ?? null;
}
