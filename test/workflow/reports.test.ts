// Reports: idempotent, validated, refusals kept with their reasons; 退回 opens the period again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { createHarness, mailsOf, report, seedTaskSet, type Harness } from './harness.ts';
import {
  reportSignal,
  returnReportUpdate,
  stateQuery,
  submitReportUpdate,
  withdrawUpdate,
} from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('reports', () => {
  it('the same report twice is one report; bad ones are refused with a reason and kept', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区规划自然资源局' }, { name: '区体育局' }, { name: '区审计局' }],
      tasks: [{ seq: '66', lead: ['区规划自然资源局'], co: ['区体育局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-17', '10:00'));
    const now = await h.clock();

    const jan = report('2022-01', '区规划自然资源局', { key: 'mail-1', receivedAt: now });
    expect(await handle.executeUpdate(submitReportUpdate, { args: [jan] })).toEqual({ accepted: true });
    expect(await handle.executeUpdate(submitReportUpdate, { args: [jan] })).toEqual({
      accepted: true,
      duplicate: true,
    });
    await handle.signal(reportSignal, jan);

    // the web form hears the refusal at once
    const outsider = report('2022-01', '区审计局', { key: 'web-2', receivedAt: now });
    const refused = handle.executeUpdate(submitReportUpdate, { args: [outsider] });
    await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({
      cause: { message: '单位「区审计局」不是本任务的责任单位' },
    });

    // the inbox's signals: refused and recorded
    await handle.signal(reportSignal, { ...outsider, key: 'mail-3' });
    await handle.signal(
      reportSignal,
      report('2022-13', '区规划自然资源局', { key: 'mail-4', receivedAt: now }),
    );
    await handle.signal(
      reportSignal,
      report('2022-03', '区规划自然资源局', { key: 'mail-5', receivedAt: now }),
    );
    await handle.signal(reportSignal, report('2022-01', '区体育局', { key: 'mail-6', receivedAt: now })); // a co-unit may report
    await h.advanceTo(atChinaTime('2022-02-15', '10:00'));
    await handle.signal(
      reportSignal,
      report('2022-01', '区规划自然资源局', { key: 'mail-7', status: '完成', receivedAt: await h.clock() }),
    );
    await h.advanceTo(atChinaTime('2022-02-15', '11:00'));

    const rows = await h.db.prisma.report.findMany({
      where: { task: { workflowId: wf! } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.key, r.accepted, r.refusalReason])).toEqual([
      ['mail-1', true, null],
      ['mail-3', false, '单位「区审计局」不是本任务的责任单位'],
      ['mail-4', false, '本任务没有报送期次「2022-13」'],
      ['mail-5', false, '报送期次「2022年3月」尚未开始，请在收到请报通知后报送'],
      ['mail-6', true, null],
      ['mail-7', false, '报送期次「2022年1月」已截止，请按最新一期报送'],
    ]);
    const view = await handle.query(stateQuery);
    expect(view.refusals.map((r) => r.key)).toEqual(['mail-3', 'mail-4', 'mail-5', 'mail-7']);
  });

  it('退回: the period opens again, a new ladder if it is not answered, then the new report is taken', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区司法局' }],
      tasks: [{ seq: '77', lead: ['区司法局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-25', '10:00'));
    await handle.signal(
      reportSignal,
      report('2022-01', '区司法局', { key: 'first', text: '见附件', receivedAt: await h.clock() }),
    );
    await h.advanceTo(atChinaTime('2022-01-25', '11:00'));

    await expect(
      handle.executeUpdate(returnReportUpdate, { args: [{ reportKey: 'first', reason: '', by: '督查室' }] }),
    ).rejects.toMatchObject({
      cause: { message: '退回须说明理由' },
    });
    const back = await handle.executeUpdate(returnReportUpdate, {
      args: [{ reportKey: 'first', reason: '未写明具体进展', by: '督查室' }],
    });
    expect(back).toEqual({ accepted: true });
    await h.advanceTo(atChinaTime('2022-02-07', '10:00'));
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { requests: true, escalations: { orderBy: { at: 'asc' } } },
    });
    // three working days from Tuesday 25 January: Friday 28th; 催办 one working day later, Saturday 29th (调休)
    expect(task.requests[0]).toMatchObject({ period: '2022-01', status: 'open' });
    expect(task.requests[0]!.dueAt.toISOString().slice(0, 10)).toBe('2022-01-28');
    expect(task.escalations.map((e) => [e.level, e.at.getTime()])).toEqual([
      ['reminder1', atChinaTime('2022-01-29', '09:00')],
      ['reminder2', atChinaTime('2022-02-07', '09:00')],
    ]);
    expect(task.escalations[0]!.key).toMatch(/reminder1\/2022-01\/区司法局#1$/);
    const mails = await mailsOf(h, wf!);
    expect(mails.find((m) => m.subject.startsWith('【退回】'))).toBeTruthy();

    await handle.signal(
      reportSignal,
      report('2022-01', '区司法局', { key: 'second', text: '已完成调研 3 次', receivedAt: await h.clock() }),
    );
    await h.advanceTo(atChinaTime('2022-02-10', '10:00'));
    const after = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { requests: true, escalations: true },
    });
    expect(after.requests[0]).toMatchObject({ status: 'reported' });
    expect(after.escalations).toHaveLength(2); // no 督办: the new report stopped the ladder
    expect(after.lastReport).toContain('已完成调研 3 次');

    // after the end nothing is taken any more
    await handle.executeUpdate(withdrawUpdate, { args: [{ reason: '任务合并至第 78 项', by: '督查室' }] });
    await handle.result();
    await expect(
      handle.signal(reportSignal, report('2022-02', '区司法局', { key: 'late' })),
    ).rejects.toThrow();
  });
});
