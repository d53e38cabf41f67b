// Reply tokens (sign, verify, reference) and the mail templates, as pure code;
// the templates also go through the parser, to prove the instructions a reply
// quotes back are never read as the unit's answer.
import { describe, expect, it } from 'vitest';
import { renderMail, type MailContext, type TemplateKind } from '../../../activities/mail/templates.ts';
import {
  replyAddress,
  replyFields,
  signReplyToken,
  subjectReference,
  tokenReference,
  verifyReplyToken,
  base32,
  unbase32,
} from '../../../lib/mail/tokens.ts';
import { parseReply, readLabels, stripQuotes } from '../../../lib/mail/parse/index.ts';

const secret = 'a-test-secret-that-is-long-enough-000000';
const claims = {
  workflowId: 'duban/2022-shapingba/9',
  unit: '区发展改革委',
  period: '2022-06',
  expiresAt: Date.UTC(2022, 8, 1),
};
const now = Date.UTC(2022, 5, 15);
const config = {
  mail: { replyInbox: 'duban', replyDomain: 'duban.test', from: '', bounceAddress: '', officeEmail: '' },
  web: { port: 3000, host: '127.0.0.1', publicUrl: 'https://duban.example.test/' },
};

describe('reply tokens', () => {
  it('round-trips base32', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 128, 7]);
    expect(unbase32(base32(bytes))).toEqual(bytes);
  });
  it('verifies what it signed, with the claims', () => {
    const token = signReplyToken(claims, secret);
    expect(token).toMatch(/^[a-z2-7]+$/);
    expect(verifyReplyToken(token, secret, now)).toEqual({ ok: true, claims });
  });
  it('refuses a token signed with another secret as forged', () => {
    expect(
      verifyReplyToken(signReplyToken(claims, 'another-secret-another-secret-0000000'), secret, now),
    ).toEqual({ ok: false, reason: '伪造' });
  });
  it('refuses a token with one character changed as forged or malformed', () => {
    const token = signReplyToken(claims, secret);
    const tampered = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
    const result = verifyReplyToken(tampered, secret, now);
    expect(result.ok).toBe(false);
  });
  it('refuses an expired token', () => {
    expect(verifyReplyToken(signReplyToken(claims, secret), secret, Date.UTC(2022, 8, 2))).toEqual({
      ok: false,
      reason: '过期',
    });
  });
  it('refuses garbage as malformed', () => {
    expect(verifyReplyToken('not-a-token!', secret, now)).toEqual({ ok: false, reason: '格式错误' });
    expect(verifyReplyToken('abc', secret, now)).toEqual({ ok: false, reason: '格式错误' });
  });
  it('puts a short reference in the address (local part ≤ 64) and the subject', () => {
    const token = signReplyToken(claims, secret);
    const ref = tokenReference(token);
    expect(ref).toMatch(/^[a-z2-7]{12}$/);
    expect(replyAddress(token, config)).toBe(`duban+${ref}@duban.test`);
    expect(replyAddress(token, config).split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(subjectReference(token)).toBe(`[督办-${ref}]`);
    expect(replyFields(token, config).link).toBe(`https://duban.example.test/reply/${token}`);
  });
});

const ctx: MailContext = {
  taskSet: { name: '沙坪坝区政府工作报告重点任务', year: 2022 },
  task: {
    seq: '9',
    text: '推动成渝<script>alert(1)</script>双城\r\nBcc: victim@evil.test\r\n经济圈建设',
    category: '重点工作',
    group: '一、建设西部金融中心',
    deadline: '2022-12-31',
    leadUnits: ['区发展改革委'],
    coUnits: ['区财政局', '区商务委'],
  },
  unit: '区发展改革委',
  role: 'lead',
  period: { id: '2022-06', label: '2022年6月', dueOn: '2022-06-27' },
  level: 'reminder2',
  workingDaysLate: 3,
  verdict: { final: '部分完成', proposed: '完成', reason: '附属设施未完工', decidedBy: 'office' },
  lastReport: { status: '推进中', percent: 60, at: '2022-05-25' },
  reference: '[督办-abcdefghijkl]',
  replyAddress: 'duban+abcdefghijkl@duban.test',
  replyLink: 'https://duban.example.test/reply/tok"en<>',
  office: { name: '区政府督查室', email: 'ducha@duban.test' },
};

describe('mail templates', () => {
  const kinds: TemplateKind[] = ['notice', 'request', 'reminder', 'escalation', 'verdict'];
  it.each(kinds)('%s: one-line Chinese subject with the reference, escaped HTML', (kind) => {
    const m = renderMail(kind, ctx);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toContain('第9项');
    expect(m.subject).toContain('[督办-abcdefghijkl]');
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;');
    expect(m.html).not.toContain('tok"en<>');
    expect(m.text).toContain('2022年12月31日');
  });
  it('subjects say what the mail is', () => {
    expect(renderMail('notice', ctx).subject).toMatch(/^【交办】2022年沙坪坝区政府工作报告重点任务第9项：/);
    expect(renderMail('request', ctx).subject).toBe(
      '【请报送】第9项任务2022年6月进展情况（2022年6月27日前） [督办-abcdefghijkl]',
    );
    expect(renderMail('reminder', ctx).subject).toMatch(/^【再次催办】/);
    expect(renderMail('reminder', { ...ctx, level: 'reminder1' }).subject).toMatch(/^【催办】/);
    expect(renderMail('escalation', ctx).subject).toMatch(/^【督办】区发展改革委未按期报送第9项/);
    expect(renderMail('verdict', ctx).subject).toMatch(/评定结果：部分完成/);
  });
  it('the request says the period, the due date, how to reply and the web link', () => {
    const { text } = renderMail('request', ctx);
    expect(text).toContain('报送周期：2022年6月');
    expect(text).toContain('报送截止：2022年6月27日');
    expect(text).toContain('第一行写“状态：××”');
    expect(text).toContain('https://duban.example.test/reply/tok"en<>');
    expect(text).toContain('回复地址：duban+abcdefghijkl@duban.test');
  });
  it('its instructions, quoted back without any quote marker, are not read as a status', () => {
    for (const kind of kinds)
      expect(readLabels(renderMail(kind, ctx).text)).toMatchObject({ status: null, percent: null });
  });
  it('a reply that quotes the whole request with > still reads only the reply', async () => {
    const quoted = renderMail('request', ctx)
      .text.split('\n')
      .map((l) => '> ' + l)
      .join('\r\n');
    const raw = Buffer.from(
      `From: fgw@cq.test\r\nTo: duban+abcdefghijkl@duban.test\r\nSubject: Re: x\r\nMessage-ID: <q@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n状态：滞后\r\n进度：30%\r\n\r\n${quoted}\r\n`,
    );
    const p = await parseReply(raw);
    expect(p).toMatchObject({ status: '滞后', percent: 30, text: '状态：滞后\n进度：30%' });
  });
  it('the verdict notice names an office override', () => {
    expect(renderMail('verdict', ctx).text).toContain('经督查室改定');
    expect(stripQuotes(renderMail('verdict', ctx).text)).toContain('评定说明：附属设施未完工');
  });
});
