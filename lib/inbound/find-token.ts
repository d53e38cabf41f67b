// Which request a reply answers: its signed reply token, looked up from what
// the reply carries, in order of trust — the plus-address of the reply
// address, the subject's [督办-<ref>] reference, then the message ids it
// answers (In-Reply-To, References) matched against the mail Duban sent.
// The answer is typed, so what happens next (lib/inbound/ingest.ts) follows
// from which case it is, never from the wording of a message.
//
// The lookups go through a TokenIndex: one query each (the database as it
// is), or an index preloaded for a whole batch of replies in two queries
// (intake, where thousands of replies may wait).
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

type Pointers = Pick<ParsedReply, 'token' | 'reference' | 'inReplyTo' | 'references'>;

/** The two questions findToken asks of the mail Duban sent. */
export interface TokenIndex {
  /** the token of the latest mail carrying this short reference */
  byReference(reference: string): Promise<string | null>;
  /** the token of the latest mail with one of these Message-IDs */
  byMessageIds(ids: string[]): Promise<string | null>;
}

/** The index as the database answers it, one query per question. */
export function databaseIndex(prisma: PrismaClient): TokenIndex {
  return {
    byReference: (reference) => resolveReference(prisma, reference),
    byMessageIds: (ids) => tokenForMessageIds(prisma, ids),
  };
}

const shortReference = (token: string | null) => (token && token.length <= 12 ? token : null);
const idsOf = (p: Pointers) => [...(p.inReplyTo ? [p.inReplyTo] : []), ...p.references];

/** The index for a batch of replies: every reference and message id they name, in two queries. */
export async function preloadedIndex(prisma: PrismaClient, replies: Pointers[]): Promise<TokenIndex> {
  const references = [
    ...new Set(
      replies.flatMap((p) => [shortReference(p.token), p.reference]).filter((r): r is string => !!r),
    ),
  ].map((r) => r.toLowerCase());
  const ids = [...new Set(replies.flatMap(idsOf))];
  const [byRef, byId] = await Promise.all([
    references.length
      ? prisma.sentMail.findMany({
          where: { replyRef: { in: references }, replyToken: { not: null } },
          select: { id: true, replyRef: true, replyToken: true },
        })
      : [],
    ids.length
      ? prisma.sentMail.findMany({
          where: { messageId: { in: ids }, replyToken: { not: null } },
          select: { id: true, messageId: true, replyToken: true },
        })
      : [],
  ]);
  // the latest mail wins, as in the one-query lookups
  const latest = new Map<string, { id: number; token: string }>();
  for (const row of byRef) {
    const known = latest.get(`ref:${row.replyRef}`);
    if (!known || known.id < row.id)
      latest.set(`ref:${row.replyRef}`, { id: row.id, token: row.replyToken! });
  }
  const messages = new Map(byId.map((row) => [row.messageId, { id: row.id, token: row.replyToken! }]));
  return {
    byReference: async (reference) => latest.get(`ref:${reference.toLowerCase()}`)?.token ?? null,
    byMessageIds: async (wanted) => {
      const found = wanted.map((id) => messages.get(id)).filter((row) => row !== undefined);
      return found.sort((a, b) => b.id - a.id)[0]?.token ?? null;
    },
  };
}

export async function findToken(source: PrismaClient | TokenIndex, p: Pointers): Promise<TokenLookup> {
  const index = 'byReference' in source ? source : databaseIndex(source);
  if (p.token) {
    // a full token (too long for most servers, but ours if it verifies) or its short reference
    if (p.token.length > 12) return { found: true, token: p.token, via: 'token' };
    const token = await index.byReference(p.token);
    if (token) return { found: true, token, via: 'token' };
  }
  if (p.reference) {
    const token = await index.byReference(p.reference);
    if (token) return { found: true, token, via: 'reference' };
  }
  const token = await index.byMessageIds(idsOf(p));
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
