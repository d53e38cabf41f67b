// A worker stopped in the middle of the year and a new one started: the
// workflows go on from their histories, and nothing is sent or written twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, mailsOf, report, seedTaskSet, type Harness } from './harness.ts';
import { reportSignal, stateQuery } from '../../workflows/messages.ts';
import type { TaskResult } from '../../workflows/state.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ maxCachedWorkflows: 0 });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('restart', () => {
  it(
    'a worker restarted in the middle: the year goes on, nothing sent twice',
    { timeout: 180_000 },
    async () => {
      await h.begin();
      const setId = await seedTaskSet(h.db.prisma, {
        units: [{ name: '区教委' }],
        tasks: [{ seq: '7', lead: ['区教委'] }],
      });
      const [wf] = await h.start(setId);
      const handle = h.env.client.workflow.getHandle(wf!);
      const view = await handle.query(stateQuery);
      const half = view.periods.slice(0, 6);
      for (const p of half) {
        await h.advanceTo(p.requestAt + 3_600_000);
        await handle.signal(reportSignal, report(p.id, '区教委', { receivedAt: await h.clock() }));
      }
      await h.restartWorker();
      for (const p of view.periods.slice(6)) {
        await h.advanceTo(p.requestAt + 3_600_000);
        const final = p.final ? { status: '部分完成' as const, percent: 70, reason: '二期工程延至明年' } : {};
        await handle.signal(reportSignal, report(p.id, '区教委', { receivedAt: await h.clock(), ...final }));
      }
      const result: TaskResult = await handle.result();
      expect(result.verdict).toMatchObject({ final: '部分完成', decidedBy: 'default' });
      expect(result.verdict!.reason).toContain('二期工程延至明年');
      const kinds = (await mailsOf(h, wf!)).map((m) => m.kind);
      expect(kinds.filter((k) => k === 'request')).toHaveLength(view.periods.length);
      expect(kinds.filter((k) => k === 'notice')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'reminder' || k === 'escalation')).toHaveLength(0);
      const reports = await h.db.prisma.report.count({
        where: { task: { workflowId: wf! }, accepted: true },
      });
      expect(reports).toBe(view.periods.length);
    },
  );
});
