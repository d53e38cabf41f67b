// A whole year on the time-skipping server: on time, late, stopped ladders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, mailsOf, report, seedTaskSet, type Harness } from './harness.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import type { TaskResult } from '../../workflows/state.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('a whole year', () => {
  it('on-time reports: requests each month, no reminder, verdict from the final report', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区交通局' }, { name: '区财政局' }],
      tasks: [{ seq: '1', lead: ['区交通局'], co: ['区财政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    const view = await handle.query(stateQuery);
    expect(view.periods.length).toBe(12); // Jan–Nov monthly + final (December's monthly falls after the final request)
    for (const [i, p] of view.periods.entries()) {
      await h.advanceTo(p.requestAt + 3_600_000);
      const percent = p.final ? 100 : Math.min(95, Math.round(((i + 1) / 12) * 100));
      await handle.signal(
        reportSignal,
        report(p.id, '区交通局', {
          status: p.final ? '完成' : '推进中',
          percent,
          receivedAt: await h.clock(),
        }),
      );
    }
    const result: TaskResult = await handle.result();
    expect(result.outcome).toBe('verdict');
    expect(result.verdict).toMatchObject({
      proposed: '完成',
      final: '完成',
      decidedBy: 'default',
      overridden: false,
    });

    const mails = await mailsOf(h, wf!);
    const kinds = mails.map((m) => m.kind);
    expect(kinds.filter((k) => k === 'notice')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'request')).toHaveLength(view.periods.length);
    expect(kinds.filter((k) => k === 'reminder' || k === 'escalation')).toHaveLength(0);
    expect(kinds.filter((k) => k === 'verdict')).toHaveLength(1);
    expect(mails[0]!.ccAddrs).toEqual(['u2@units.test']); // the co-unit is copied on the 交办

    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { verdict: true, requests: true, escalations: true, lightChanges: true },
    });
    expect(task.state).toBe('已办结');
    expect(task.verdict).toMatchObject({ proposed: '完成', final: '完成', decidedBy: 'default' });
    expect(task.requests).toHaveLength(view.periods.length);
    expect(task.requests.every((r) => r.status === 'reported')).toBe(true);
    expect(task.escalations).toHaveLength(0);
    expect(task.lightChanges).toHaveLength(0);
    // the first request went out on Monday 17 January (the 15th was a Saturday), inside sending hours
    expect(view.periods[0]!.requestAt).toBe(atChinaTime('2022-01-17', '09:00'));
  });
});
