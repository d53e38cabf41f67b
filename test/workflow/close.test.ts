// Closing a task: a deadline on a holiday, no final report, the office's review.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { answerEveryRequest, createHarness, seedTaskSet, type Harness } from './harness.ts';
import { officeVerdictUpdate, stateQuery } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import type { TaskResult } from '../../workflows/state.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('close', () => {
  it('a deadline on the National Day holiday moves to the 调休 Saturday; no final report → 未完成', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区卫生健康委' }],
      tasks: [{ seq: '41', deadline: '2022-10-01', lead: ['区卫生健康委'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    const view = await handle.query(stateQuery);
    const final = view.periods.at(-1)!;
    expect(final).toMatchObject({ id: 'final', final: true, dueOn: '2022-10-08' }); // 1–7 October off, Saturday 8th is a working day
    expect(final.requestAt).toBeLessThan(atChinaTime('2022-10-01', '00:00'));
    expect(view.periods.map((p) => p.id)).not.toContain('2022-10');

    await answerEveryRequest(h, wf!, '区卫生健康委'); // every monthly report, but no final one
    const result: TaskResult = await handle.result();
    expect(result.verdict).toMatchObject({
      proposed: '未完成',
      final: '未完成',
      decidedBy: 'default',
      overridden: false,
    });
    expect(result.verdict!.reason).toContain('未在期限内提交最终报告');

    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { verdict: true, escalations: { orderBy: { at: 'asc' } } },
    });
    expect(task.verdict).toMatchObject({ final: '未完成', decidedBy: 'default' });
    expect(task.state).toBe('已办结');
    // the final report's ladder runs on the calendar too: Sunday 9 October is a 调休 working day
    expect(task.escalations.map((e) => [e.period, e.level, e.at.getTime()])).toEqual([
      ['final', 'reminder1', atChinaTime('2022-10-09', '09:00')],
      ['final', 'reminder2', atChinaTime('2022-10-11', '09:00')],
      ['final', 'escalation', atChinaTime('2022-10-13', '09:00')],
    ]);
  });

  it('the office overrides the proposal inside the review window, and must give a reason', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区商务委' }],
      tasks: [{ seq: '55', lead: ['区商务委'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await answerEveryRequest(h, wf!, '区商务委', { status: '完成', percent: 100, text: '全年目标已完成' });
    await h.advanceTo(atChinaTime('2023-01-04', '10:00')); // due 3 January 2023 (31 December is a Saturday, 2 January a holiday)
    const before = await handle.query(stateQuery);
    expect(before.proposal).toMatchObject({ verdict: '完成' });
    expect(before.phase).toBe('running');

    const noReason = handle.executeUpdate(officeVerdictUpdate, {
      args: [{ verdict: '部分完成', by: '督查室王科长' }],
    });
    await expect(noReason).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(noReason).rejects.toMatchObject({ cause: { message: '改变评定须说明理由' } });

    const ok = await handle.executeUpdate(officeVerdictUpdate, {
      args: [{ verdict: '部分完成', reason: '抽查发现两个项目尚未验收', by: '督查室王科长' }],
    });
    expect(ok).toEqual({ accepted: true });
    const result: TaskResult = await handle.result();
    expect(result.verdict).toMatchObject({
      proposed: '完成',
      final: '部分完成',
      decidedBy: 'office',
      overridden: true,
    });
    expect(result.verdict!.reason).toContain('抽查发现两个项目尚未验收');
    // decided at once, not at the end of the window
    expect(result.verdict!.decidedAt).toBeLessThan(atChinaTime('2023-01-05', '00:00'));
    const v = await h.db.prisma.verdict.findFirstOrThrow({ where: { task: { workflowId: wf! } } });
    expect(v).toMatchObject({ proposed: '完成', final: '部分完成', decidedBy: 'office', overridden: true });
  });
});
