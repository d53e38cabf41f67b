// A request mail of a task running on a set-back clock (the sample in `duban
// up`, simulate) carries a reply token that is valid when the unit replies
// today: expiry counts from the real sending time.
import { describe, it, expect } from 'vitest';
import { composeMail } from '../../../activities/mail/compose.ts';
import { verifyReplyToken } from '../../../lib/mail/tokens.ts';
import { loadConfig } from '../../../lib/config.ts';
import { atChinaTime } from '../../../workflows/calendar.ts';

const config = loadConfig({
  DUBAN_HOME: '/tmp/duban-task-mail-test',
  TOKEN_SECRET: 's'.repeat(40),
  TOKEN_TTL_DAYS: '60',
});

describe('request mail of a task on a set-back clock', () => {
  const realNow = Date.UTC(2026, 10, 21, 3, 0);
  const mail = composeMail(
    {
      step: 'request/2022-02/区交通局',
      kind: 'request',
      unit: { name: '区交通局', emails: ['jtj@units.test'], leaderEmails: [] },
      about: {
        topic: 'request',
        period: '2022-02',
        periodLabel: '2022年2月',
        dueOn: '2022-02-25',
        final: false,
      },
      at: atChinaTime('2022-02-15', '09:00'),
    },
    {
      workflowId: 'duban/2022-shapingba/1',
      task: {
        taskSetId: '2022-shapingba',
        seq: '1',
        category: '重点工作',
        text: '推进轨道交通建设',
        deadline: '2022-12-31',
      },
      taskSet: { name: '沙坪坝区2022年政府工作报告目标任务分解', year: 2022 },
      config,
      now: () => realNow,
    },
  )!;

  it('carries a token that verifies today and expires TOKEN_TTL_DAYS after sending', () => {
    const token = mail.replyToken!;
    expect(token).toBeTruthy();
    expect(verifyReplyToken(token, config.tokens.secret, realNow + 59 * 86_400_000)).toMatchObject({
      ok: true,
      claims: { unit: '区交通局', period: '2022-02' },
    });
    expect(verifyReplyToken(token, config.tokens.secret, realNow + 61 * 86_400_000)).toMatchObject({
      ok: false,
    });
  });

  it('says what to write back, in Chinese, with the reply address', () => {
    expect(mail.subject).toContain('请报送');
    expect(mail.text).toContain('进度');
    expect(mail.replyTo).toMatch(/^duban\+[a-z0-9]+@duban\.test$/);
  });
});
