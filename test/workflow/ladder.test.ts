// The 催办 → 督办 ladder on the 2022 calendar: working days, 调休 make-up
// days, lights with their causes, and a report that stops the ladder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, mailsOf, report, seedTaskSet, type Harness } from './harness.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { verifyReplyToken } from '../../lib/mail/tokens.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const at = (date: string) => atChinaTime(date, '09:00');

describe('a late unit', () => {
  it('is reminded on working days, yellow, escalated to its leader on a 调休 Sunday, red; a report turns it green', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [
        { name: '区城管局', emails: ['cgj@units.test'], leaderEmails: ['leader-cgj@units.test'] },
        { name: '区民政局' },
      ],
      tasks: [{ seq: '12', lead: ['区城管局'], co: ['区民政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);

    // January: due Tuesday 25th; nothing comes.
    await h.advanceTo(atChinaTime('2022-02-08', '10:00'));
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: wf! } });
    const rungs = await h.db.prisma.escalation.findMany({
      where: { taskId: task.id, period: '2022-01' },
      orderBy: { at: 'asc' },
    });
    expect(rungs.map((r) => [r.level, r.at.getTime()])).toEqual([
      ['reminder1', at('2022-01-26')], // one working day after the due date
      ['reminder2', at('2022-01-28')], // three
      ['escalation', at('2022-01-30')], // five: Saturday 29th and Sunday 30th are 调休 working days
    ]);
    expect(task.light).toBe('red');
    const mails = await mailsOf(h, wf!);
    const escalation = mails.find((m) => m.kind === 'escalation')!;
    expect(escalation.toAddrs).toEqual(['leader-cgj@units.test']);
    expect(escalation.ccAddrs).toEqual(['ducha@duban.test', 'cgj@units.test']);
    expect(mails.filter((m) => m.kind === 'reminder').map((m) => m.toAddrs)).toEqual([
      ['cgj@units.test'],
      ['cgj@units.test'],
    ]);
    // the request carries a reply token; each 催办 in its thread carries one for the same task, unit
    // and period (signed when it went out, so its expiry may differ), so a reply to either lands here
    const request = mails.find((m) => m.kind === 'request')!;
    expect(request.replyToken).toBeTruthy();
    const claims = (token: string | null) => {
      const verified = verifyReplyToken(token ?? '', 'x'.repeat(40), Date.now());
      if (!verified.ok) return verified;
      const { workflowId, unit, period } = verified.claims;
      return { workflowId, unit, period };
    };
    expect(claims(request.replyToken)).toEqual({ workflowId: wf, unit: '区城管局', period: '2022-01' });
    expect(mails.filter((m) => m.kind === 'reminder').map((m) => claims(m.replyToken))).toEqual([
      claims(request.replyToken),
      claims(request.replyToken),
    ]);
    expect(escalation.subject).toContain('【督办】区城管局未按期报送');

    const changes = await h.db.prisma.lightChange.findMany({
      where: { taskId: task.id },
      orderBy: { at: 'asc' },
    });
    expect(changes.map((c) => [c.from, c.to, c.at.getTime()])).toEqual([
      ['green', 'yellow', at('2022-01-28')],
      ['yellow', 'red', at('2022-01-30')],
    ]);
    expect(changes[1]!.cause).toContain('逾期 5 个工作日未报送，督办');

    // The unit reports after the Spring Festival: the ladder stops and the light turns back.
    await handle.signal(reportSignal, report('2022-01', '区城管局', { receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-02-09', '10:00'));
    const back = await h.db.prisma.lightChange.findMany({
      where: { taskId: task.id },
      orderBy: { at: 'asc' },
    });
    expect(back.at(-1)).toMatchObject({ from: 'red', to: 'green' });
    expect(back.at(-1)!.cause).toContain('区城管局 已报送「2022年1月」');
    expect((await handle.query(stateQuery)).light).toBe('green');

    // February: due Friday 25th; 催办 on Monday 28th; the report on 1 March stops the ladder.
    await h.advanceTo(atChinaTime('2022-03-01', '10:00'));
    await handle.signal(reportSignal, report('2022-02', '区城管局', { receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-03-14', '10:00'));
    const feb = await h.db.prisma.escalation.findMany({ where: { taskId: task.id, period: '2022-02' } });
    expect(feb.map((r) => [r.level, r.at.getTime()])).toEqual([['reminder1', at('2022-02-28')]]);
    const requests = await h.db.prisma.request.findMany({
      where: { taskId: task.id },
      orderBy: { period: 'asc' },
    });
    expect(requests.map((r) => [r.period, r.status])).toEqual([
      ['2022-01', 'reported'],
      ['2022-02', 'reported'],
    ]);
    expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).light).toBe('green');
  });

  it('lags behind the calendar: yellow with the percent as its cause, green again when it catches up', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区科技局' }],
      tasks: [{ seq: '30', lead: ['区科技局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    const view = await handle.query(stateQuery);
    const june = view.periods.find((p) => p.id === '2022-06')!;
    const july = view.periods.find((p) => p.id === '2022-07')!;
    for (const p of view.periods.filter((q) => q.requestAt < june.requestAt)) {
      await h.advanceTo(p.requestAt + 3_600_000);
      await handle.signal(
        reportSignal,
        report(p.id, '区科技局', { percent: 40, receivedAt: await h.clock() }),
      );
    }
    await h.advanceTo(june.requestAt + 3_600_000);
    // mid-June about 45% of the year has gone: 10% lags by more than the 20-point margin
    await handle.signal(
      reportSignal,
      report('2022-06', '区科技局', { status: '滞后', percent: 10, receivedAt: await h.clock() }),
    );
    await h.advanceTo(july.requestAt + 3_600_000);
    await handle.signal(
      reportSignal,
      report('2022-07', '区科技局', { percent: 60, receivedAt: await h.clock() }),
    );
    await h.advanceTo(july.requestAt + 2 * 3_600_000);
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { lightChanges: { orderBy: { at: 'asc' } } },
    });
    expect(task.lightChanges.map((c) => [c.from, c.to])).toEqual([
      ['green', 'yellow'],
      ['yellow', 'green'],
    ]);
    expect(task.lightChanges[0]!.cause).toContain('滞后 10%');
    expect(task.light).toBe('green');
  });
});
