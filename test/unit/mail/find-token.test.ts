// Which request a reply answers (lib/inbound/find-token.ts): the typed
// lookup over what a reply carries, against a stand-in for the SentMail
// table that answers the two queries tokens.ts makes of it.
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../lib/db.ts';
import { findToken, missingTokenReason, TOKEN_SOURCE_LABEL } from '../../../lib/inbound/find-token.ts';
import { signReplyToken, tokenReference } from '../../../lib/mail/tokens.ts';

const secret = 'unit-secret-0123456789abcdef0123456789ab';
const claims = (period: string) => ({
  workflowId: 'duban/ts-2022/9',
  unit: '区发展改革委',
  period,
  expiresAt: Date.UTC(2099, 0, 1),
});
const JUNE = signReplyToken(claims('2022-06'), secret);
const JULY = signReplyToken(claims('2022-07'), secret);

interface SentRow {
  id: number;
  messageId: string;
  replyToken: string | null;
  replyRef: string | null;
}
const sent: SentRow[] = [
  { id: 1, messageId: '<june@duban.test>', replyToken: JUNE, replyRef: tokenReference(JUNE) },
  { id: 2, messageId: '<july@duban.test>', replyToken: JULY, replyRef: tokenReference(JULY) },
  // a notice: no reply token
  { id: 3, messageId: '<notice@duban.test>', replyToken: null, replyRef: null },
];

/** The SentMail queries of resolveReference and tokenForMessageIds, over the rows above. */
const prisma = {
  sentMail: {
    async findFirst({ where }: { where: { replyRef: string } }) {
      return (
        sent.filter((r) => r.replyToken && r.replyRef === where.replyRef).sort((a, b) => b.id - a.id)[0] ??
        null
      );
    },
    async findMany({ where }: { where: { messageId: { in: string[] } } }) {
      return sent
        .filter((r) => r.replyToken && where.messageId.in.includes(r.messageId))
        .sort((a, b) => b.id - a.id)
        .slice(0, 1);
    },
  },
} as unknown as PrismaClient;

const reply = (
  over: Partial<{ token: string; reference: string; inReplyTo: string; references: string[] }>,
) =>
  findToken(prisma, {
    token: over.token ?? null,
    reference: over.reference ?? null,
    inReplyTo: over.inReplyTo ?? null,
    references: over.references ?? [],
  });

describe('findToken', () => {
  it('a short reference in the reply address: found by token', async () => {
    expect(await reply({ token: tokenReference(JUNE) })).toEqual({ found: true, token: JUNE, via: 'token' });
  });
  it('a full token in the reply address is taken as it is (verified later)', async () => {
    expect(await reply({ token: JULY })).toEqual({ found: true, token: JULY, via: 'token' });
  });
  it('the subject reference when the address lost its plus part', async () => {
    expect(await reply({ reference: tokenReference(JULY) })).toEqual({
      found: true,
      token: JULY,
      via: 'reference',
    });
  });
  it('the address wins over the subject when both are there', async () => {
    expect(await reply({ token: tokenReference(JUNE), reference: tokenReference(JULY) })).toMatchObject({
      token: JUNE,
      via: 'token',
    });
  });
  it('only the message ids: found through the mail it answers', async () => {
    expect(await reply({ inReplyTo: '<july@duban.test>', references: ['<other@x>'] })).toEqual({
      found: true,
      token: JULY,
      via: 'message-id',
    });
  });
  it('an unknown address reference falls back to the subject, then to the message ids', async () => {
    expect(await reply({ token: 'aaaaaaaaaaaa', reference: tokenReference(JUNE) })).toMatchObject({
      token: JUNE,
      via: 'reference',
    });
    expect(await reply({ token: 'aaaaaaaaaaaa', references: ['<june@duban.test>'] })).toMatchObject({
      token: JUNE,
      via: 'message-id',
    });
  });
  it('nothing pointing at a request: no-reference (held for the office)', async () => {
    const lookup = await reply({ references: ['<notice@duban.test>', '<someone-else@x>'] });
    expect(lookup).toEqual({ found: false, why: 'no-reference' });
    expect(missingTokenReason(lookup as Extract<typeof lookup, { found: false }>)).toMatch(
      /^无法识别对应的任务/,
    );
  });
  it('a reference Duban never issued: unknown-reference (refused), naming it', async () => {
    const byAddress = await reply({ token: 'aaaaaaaaaaaa' });
    expect(byAddress).toEqual({ found: false, why: 'unknown-reference', reference: 'aaaaaaaaaaaa' });
    expect(await reply({ reference: 'bbbbbbbbbbbb' })).toEqual({
      found: false,
      why: 'unknown-reference',
      reference: 'bbbbbbbbbbbb',
    });
    expect(missingTokenReason(byAddress as Extract<typeof byAddress, { found: false }>)).toBe(
      '回复令牌无效：编号 aaaaaaaaaaaa 不是督办系统发出的（未知引用）',
    );
  });
  it('every way of finding has a label the office reads', () => {
    expect(Object.values(TOKEN_SOURCE_LABEL)).toEqual(['收件地址', '主题编号', 'In-Reply-To/References']);
  });
});
