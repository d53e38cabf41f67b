// Hostile reply tokens (issue 11): every spelling but the one Duban wrote is
// refused, with the refusal the office reads (格式错误 / 伪造 / 过期). A token
// has exactly one valid spelling: lower case, no character left over, and the
// unused low bits of its last base32 character zero.
import { describe, expect, it } from 'vitest';
import {
  base32,
  signReplyToken,
  unbase32,
  verifyReplyToken,
  type TokenRefusal,
} from '../../lib/mail/tokens.ts';

const SECRET = 't'.repeat(40);
const NOW = Date.UTC(2022, 5, 15);
const claims = {
  workflowId: 'duban/2022-x/1',
  unit: '区科技局',
  period: '2022-06',
  expiresAt: NOW + 86_400_000,
};
const TOKEN = signReplyToken(claims, SECRET);
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** The token's length leaves unused bits in its last character (checked below). */
const unusedBits = (TOKEN.length * 5) % 8;
const last = ALPHABET.indexOf(TOKEN.at(-1)!);
/** The same bytes, with the unused bits of the last character set: the old reader took these too. */
const sloppySpellings = Array.from(
  { length: (1 << unusedBits) - 1 },
  (_, i) => TOKEN.slice(0, -1) + ALPHABET[last | (i + 1)]!,
);

const flip = (t: string, at: number) => t.slice(0, at) + (t[at] === 'a' ? 'b' : 'a') + t.slice(at + 1);

const cases: [name: string, token: string, refusal: TokenRefusal][] = [
  ...sloppySpellings.map(
    (t, i) =>
      [`the last character with unused bits set (${i + 1})`, t, '格式错误'] as [string, string, TokenRefusal],
  ),
  ['in capitals', TOKEN.toUpperCase(), '格式错误'],
  ['one capital letter', TOKEN[0]!.toUpperCase() + TOKEN.slice(1), '格式错误'],
  ['a character appended', TOKEN + 'a', '格式错误'],
  // ten more bits: a byte more, canonically spelled — another token, whose MAC cannot match
  ['two characters appended', TOKEN + 'aa', '伪造'],
  ['the last character cut', TOKEN.slice(0, -1), '格式错误'],
  ['half the token', TOKEN.slice(0, Math.floor(TOKEN.length / 2)), '格式错误'],
  ['empty', '', '格式错误'],
  ['a single character', 'a', '格式错误'],
  ['padding', TOKEN + '====', '格式错误'],
  ['a digit outside base32 (1)', TOKEN.slice(0, 5) + '1' + TOKEN.slice(6), '格式错误'],
  ['a digit outside base32 (8)', TOKEN.slice(0, 5) + '8' + TOKEN.slice(6), '格式错误'],
  ['a space inside', TOKEN.slice(0, 5) + ' ' + TOKEN.slice(5), '格式错误'],
  ['a NUL inside', TOKEN.slice(0, 5) + '\u0000' + TOKEN.slice(5), '格式错误'],
  ['a full-width letter', 'ａ' + TOKEN.slice(1), '格式错误'],
  ['a path', '../../etc/passwd', '格式错误'],
  ['HTML', '<script>alert(1)</script>', '格式错误'],
  ['100,000 characters', 'a'.repeat(100_000), '格式错误'],
  ['one character of the MAC changed', flip(TOKEN, TOKEN.length - 3), '伪造'],
  ['one character of the claims changed', flip(TOKEN, 12), '伪造'],
  ['signed with another secret', signReplyToken(claims, 'u'.repeat(40)), '伪造'],
  ['expired a second ago', signReplyToken({ ...claims, expiresAt: NOW - 1000 }, SECRET), '过期'],
  ['expired at the epoch', signReplyToken({ ...claims, expiresAt: 0 }, SECRET), '过期'],
  ['version 2', base32(Buffer.concat([Buffer.from([2]), unbase32(TOKEN)!.subarray(1)])), '格式错误'],
  ['all zero bytes', base32(Buffer.alloc(40)), '格式错误'],
];

export const TOKEN_CASES = cases.length + 2;

describe('hostile tokens: one spelling only', () => {
  it('the token as Duban wrote it is valid (and its length leaves unused bits to check)', () => {
    expect(unusedBits).toBeGreaterThan(0);
    expect(verifyReplyToken(TOKEN, SECRET, NOW)).toMatchObject({ ok: true, claims: { unit: '区科技局' } });
  });

  it('base32 round-trips every byte string it writes, and nothing else', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n) % 256));
      expect(unbase32(base32(bytes))).toEqual(bytes);
    }
  });

  it.each(cases)('%s → %s', (_name, token, refusal) => {
    expect(verifyReplyToken(token, SECRET, NOW)).toEqual({ ok: false, reason: refusal });
  });
});
