// The reply parser on hand-written fixtures, one per client style, charset
// and special case (test/fixtures/mail/make-fixtures.ts says how each is built).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  cleanSubject,
  htmlToText,
  normaliseStatus,
  parseReply,
  readLabels,
  stripQuotes,
  type ParsedReply,
} from '../../../lib/mail/parse/index.ts';
import {
  EXPIRED_TOKEN,
  FORGED_TOKEN,
  REQUEST_MESSAGE_ID,
  VALID_REF,
} from '../../fixtures/mail/make-fixtures.ts';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url)));
const parse = (name: string) => parseReply(fixture(name), { replyInbox: 'duban', replyDomain: 'duban.test' });

/** The original request's own lines, which a reply quotes back and which must never be read. */
function expectNoQuote(p: ParsedReply) {
  expect(p.text).not.toContain('直接回复本邮件');
  expect(p.text).not.toContain('请于2022年6月27日前');
  expect(p.text).not.toMatch(/发件人|发送时间|原始邮件|写道|wrote/);
}

describe('client quote styles', () => {
  const cases: [string, string, number, string][] = [
    [
      'qq-foxmail-gb2312.eml',
      '推进中',
      60,
      '6月完成项目前期手续，已开工建设。联系人：王𠀾，电话 023-65000000。',
    ],
    ['coremail-qp.eml', '完成', 100, '项目已于6月10日竣工验收，相关资料见附件。'],
    ['outlook-cn.eml', '推进中', 45, '按计划推进，7月底前完成招标。'],
    ['outlook-yuanjian.eml', '滞后', 30, '原因：征地拆迁未完成，预计8月底前解决。'],
    ['header-block-nocolon.eml', '受阻', 20, '原因：资金未到位。'],
    ['netease-163.eml', '部分完成', 80, '主体工程完成，附属设施尚在施工。'],
    ['gmail-cn.eml', '受阻', 10, '因上游审批未下达，项目暂缓。'],
    ['gmail-html-only.eml', '部分完成', 75, '已完成3个子项中的2个，第3个因用地调整顺延。'],
    ['apple-iphone.eml', '未完成', 0, '原因：项目取消，已报区政府同意。'],
    ['mailmaster.eml', '推进中', 50, '已完成年度投资一半。'],
    ['mailmaster-html-only.eml', '完成', 100, '全部完成。'],
    ['thunderbird-on-wrote.eml', '完成', 100, '已按期完成。'],
    ['big5.eml', '推进中', 70, '工程按計劃進行。'],
  ];
  it.each(cases)('%s: status %s, %i%%, reply text only', async (name, status, percent, lastLine) => {
    const p = await parse(name);
    expect(p.status).toBe(status);
    expect(p.percent).toBe(percent);
    expect(p.text.split('\n').at(-1)).toBe(lastLine);
    expectNoQuote(p);
    expect(p.autoReply).toBe(false);
    expect(p.bounce).toBe(false);
  });

  it('keeps the reply but drops the signature after "-- " and 发自我的iPhone', async () => {
    expect((await parse('thunderbird-on-wrote.eml')).text).not.toContain('王力');
    expect((await parse('apple-iphone.eml')).text).not.toContain('iPhone');
  });

  it('decodes a GB18030-only character in a part labelled gb2312, and the GB2312 subject', async () => {
    const p = await parse('qq-foxmail-gb2312.eml');
    expect(p.text).toContain('王𠀾');
    expect(p.subject.startsWith('回复：关于报送2022年6月工作任务进展情况的通知')).toBe(true);
    expect(p.subjectClean.startsWith('关于报送')).toBe(true);
  });

  it('reads the status words as written and normalises them', async () => {
    expect((await parse('coremail-qp.eml')).statusWord).toBe('已完成');
    expect((await parse('outlook-cn.eml')).statusWord).toBe('正常推进');
    expect((await parse('mailmaster.eml')).statusWord).toBe('进行中');
    expect((await parse('big5.eml')).statusWord).toBe('推進中');
  });

  it('takes the reason from a labelled line', async () => {
    expect((await parse('outlook-yuanjian.eml')).reason).toBe('征地拆迁未完成，预计8月底前解决。');
  });
});

describe('tokens, references and threading', () => {
  it('finds the plus-address token and the subject reference', async () => {
    const p = await parse('coremail-qp.eml');
    expect(p.token).toBe(VALID_REF);
    expect(p.reference).toBe(VALID_REF);
    expect(p.inReplyTo).toBe(REQUEST_MESSAGE_ID);
    expect(p.from).toBe('fgw@cq-spb.test');
  });
  it('reads the Big5 subject reference [督辦-…]', async () => {
    expect((await parse('big5.eml')).reference).toBe(VALID_REF);
  });
  it('has only the subject reference when the server dropped the plus-address', async () => {
    const p = await parse('subject-ref-only.eml');
    expect(p.token).toBeNull();
    expect(p.reference).toBe(VALID_REF);
  });
  it('has only In-Reply-To when both were dropped', async () => {
    const p = await parse('in-reply-to-only.eml');
    expect(p.token).toBeNull();
    expect(p.reference).toBeNull();
    expect(p.references).toContain(REQUEST_MESSAGE_ID);
  });
  it('hands over forged and expired full tokens as they are (verification is the pipeline’s)', async () => {
    expect((await parse('forged-token.eml')).token).toBe(FORGED_TOKEN);
    expect((await parse('expired-token.eml')).token).toBe(EXPIRED_TOKEN);
  });
  it('ignores plus-addresses of other inboxes when told the reply inbox', async () => {
    const raw = Buffer.from(
      'From: a@b.test\r\nTo: other+abcdefghijkl@duban.test\r\nSubject: x\r\nMessage-ID: <x@y>\r\n\r\n状态：完成\r\n',
    );
    expect((await parseReply(raw, { replyInbox: 'duban' })).token).toBeNull();
    expect((await parseReply(raw)).token).toBe('abcdefghijkl');
  });
  it('keys a message without Message-ID by its content hash, the same each time', async () => {
    const a = await parse('no-message-id.eml');
    const b = await parse('no-message-id.eml');
    expect(a.hasMessageId).toBe(false);
    expect(a.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.messageId).toBe(a.messageId);
  });
});

describe('narrative replies, attachments', () => {
  it('reads no status from words in the narrative', async () => {
    const p = await parse('narrative.eml');
    expect(p.status).toBeNull();
    expect(p.percent).toBeNull();
    expect(p.text).toContain('我委已完成前期调研');
  });
  it('decodes Chinese attachment names (RFC 2231 and RFC 2047 GB2312) and keeps the bytes', async () => {
    const p = await parse('attachments.eml');
    expect(p.attachments.map((a) => a.filename)).toEqual([
      '2022年6月进展台账.xlsx',
      '工作总结.docx',
      '验收报告.pdf',
      '现场照片.png',
    ]);
    expect(p.attachments[0]!.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(p.attachments[3]!.content.subarray(0, 4).toString('hex')).toBe('89504e47');
    expect(p.attachments.every((a) => a.size === a.content.length && a.size > 0)).toBe(true);
  });
});

describe('auto-replies and bounces', () => {
  it.each(['autoreply-header.eml', 'autoreply-subject.eml', 'autoreply-precedence.eml'])(
    '%s is an auto-reply with no status',
    async (name) => {
      const p = await parse(name);
      expect(p.autoReply).toBe(true);
      expect(p.bounce).toBe(false);
      expect(p.status).toBeNull();
    },
  );
  it('a DSN is a bounce naming the failed recipient', async () => {
    const p = await parse('bounce-dsn.eml');
    expect(p.bounce).toBe(true);
    expect(p.autoReply).toBe(false);
    expect(p.bounceRecipients).toEqual(['old-fgw@cq-spb.test']);
  });
  it('a mailer-daemon message is a bounce, recipients from X-Failed-Recipients', async () => {
    const p = await parse('bounce-daemon.eml');
    expect(p.bounce).toBe(true);
    expect(p.bounceRecipients).toEqual(['jxw@gov-old.test']);
  });
});

describe('auto-reply detection does not trip on task text', () => {
  it('a 签收 reply whose subject quotes a task about 外出务工 is a reply', async () => {
    const raw = Buffer.from(
      'From: fgw@cq-spb.test\r\nTo: duban@duban.test\r\nSubject: =?UTF-8?B?' +
        Buffer.from('回复：【交办】第9项：做好外出务工人员返乡创业服务').toString('base64') +
        '?=\r\nMessage-ID: <a@b>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n状态：推进中\r\n',
    );
    const p = await parseReply(raw);
    expect(p.autoReply).toBe(false);
    expect(p.status).toBe('推进中');
  });
});

describe('inline signature images', () => {
  it('are not taken for attachments', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const raw = Buffer.from(
      'From: fgw@cq-spb.test\r\nTo: duban@duban.test\r\nSubject: Re\r\nMessage-ID: <inline@b>\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/related; boundary="r"\r\n\r\n--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>状态：完成</div><img src="cid:logo@x">\r\n' +
        `--r\r\nContent-Type: image/png; name="image001.png"\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline; filename="image001.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n${png}\r\n--r--\r\n`,
    );
    const p = await parseReply(raw);
    expect(p.status).toBe('完成');
    expect(p.attachments).toEqual([]);
  });
});

describe('pieces', () => {
  it('strips subject prefixes in any mix', () => {
    expect(cleanSubject('回复：答复: RE: Fw：转发:Re[2]: 关于报送')).toBe('关于报送');
  });
  it('normalises status words, longest at the first position', () => {
    expect(normaliseStatus('未完成')?.status).toBe('未完成');
    expect(normaliseStatus('部分完成')?.status).toBe('部分完成');
    expect(normaliseStatus('已完成')?.status).toBe('完成');
    expect(normaliseStatus('正常推进')?.status).toBe('推进中');
    expect(normaliseStatus('良好')).toBeNull();
  });
  it('reads labels with full-width colons, ％, brackets and on one line', () => {
    expect(readLabels('【状态】：完成 进度：１００％')).toMatchObject({ status: '完成', percent: 100 });
    expect(readLabels('状态: 滞后，完成率 35%')).toMatchObject({ status: '滞后', percent: 35 });
    expect(readLabels('项目状态良好，完成了一半')).toMatchObject({ status: null, percent: null });
    expect(readLabels('进度：150%')).toMatchObject({ percent: null });
  });
  it("cuts at QQ Mail's English separator and Outlook's English header block", () => {
    expect(
      stripQuotes(
        '状态：完成\n\n------------------ Original ------------------\nFrom: "督查室"<d@x>;\n状态：推进中',
      ),
    ).toBe('状态：完成');
    expect(
      stripQuotes(
        '状态：完成\n\nFrom: 督查室 <d@x>\nSent: Wednesday, June 15, 2022 9:00 AM\nTo: fgw\n状态：推进中',
      ),
    ).toBe('状态：完成');
  });
  it('keeps a narrative line that merely mentions a sender', () => {
    expect(stripQuotes('请转告发件人：我们已收到\n谢谢')).toBe('请转告发件人：我们已收到\n谢谢');
  });
  it('does not cut a reply at a line of dashes that is not a quote separator', () => {
    expect(stripQuotes('状态：完成\n----------\n第二部分\n')).toBe('状态：完成\n----------\n第二部分');
  });
  it('converts HTML with entities and cuts at blockquote', () => {
    expect(htmlToText('<p>状态：完成&nbsp;&amp;</p><p>好</p><blockquote>状态：推进中</blockquote>')).toBe(
      '状态：完成 &\n好',
    );
  });
});
