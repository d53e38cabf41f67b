// Which request a reply answers: its signed reply token, looked up from what
// the reply carries, in order of trust — the plus-address of the reply
// address, the subject's [督办-<ref>] reference, then the message ids it
// answers (In-Reply-To, References) matched against the mail Duban sent.
// The answer is typed, so what happens next (lib/inbound/ingest.ts) follows
// from which case it is, never from the wording of a message.
import type { PrismaClient } from '../db.ts';
import type { ParsedReply } from '../mail/parse/index.ts';
import { resolveReference, tokenForMessageIds } from '../mail/tokens.ts';

/** What the token was found by: the reply address, the subject reference, or a message id. */
export type TokenSource = 'token' | 'reference' | 'message-id';

export type TokenLookup =
  | { found: true; token: string; via: TokenSource }
  /** nothing in the reply points at a request: the office may place it by hand (held) */
  | { found: false; why: 'no-reference' }
  /** it names a reference Duban never issued: refused */
  | { found: false; why: 'unknown-reference'; reference: string };

/** How the office reads `via` in an outcome's reason. */
export const TOKEN_SOURCE_LABEL: Record<TokenSource, string> = {
  token: '收件地址',
  reference: '主题编号',
  'message-id': 'In-Reply-To/References',
};

export async function findToken(
  prisma: PrismaClient,
  p: Pick<ParsedReply, 'token' | 'reference' | 'inReplyTo' | 'references'>,
): Promise<TokenLookup> {
  if (p.token) {
    // a full token (too long for most servers, but ours if it verifies) or its short reference
    if (p.token.length > 12) return { found: true, token: p.token, via: 'token' };
    const token = await resolveReference(prisma, p.token);
    if (token) return { found: true, token, via: 'token' };
  }
  if (p.reference) {
    const token = await resolveReference(prisma, p.reference);
    if (token) return { found: true, token, via: 'reference' };
  }
  const ids = [...(p.inReplyTo ? [p.inReplyTo] : []), ...p.references];
  const token = await tokenForMessageIds(prisma, ids);
  if (token) return { found: true, token, via: 'message-id' };
  const reference = p.token ?? p.reference;
  return reference
    ? { found: false, why: 'unknown-reference', reference }
    : { found: false, why: 'no-reference' };
}

/** Why no token was found, as the office reads it on the message. */
export function missingTokenReason(lookup: Extract<TokenLookup, { found: false }>): string {
  return lookup.why === 'unknown-reference'
    ? `回复令牌无效：编号 ${lookup.reference} 不是督办系统发出的（未知引用）`
    : '无法识别对应的任务：邮件中没有回复令牌、主题编号，也没有引用督办系统发出的邮件';
}
