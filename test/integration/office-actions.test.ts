// `duban task …`: the office's actions reach the real workflow (time-skipping
// server, PostgreSQL), refusals come back with the workflow's reason, and
// every action done is in the audit log with who did it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedTaskSet, type Harness } from '../workflow/harness.ts';
import {
  performOfficeAction,
  taskState,
  taskWorkflowId,
  OfficeActionError,
} from '../../client/office/actions.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

let h: Harness;
let wf: string;
let setId: string;

beforeAll(async () => {
  h = await createHarness();
  await h.begin();
  setId = await seedTaskSet(h.db.prisma, {
    units: [{ name: '区水利局' }, { name: '区交通局' }],
    tasks: [{ seq: '7', deadline: '2022-06-30', lead: ['区水利局'] }],
  });
  await h.db.prisma.unit.create({ data: { taskSetId: setId, code: 'G1', name: '各镇街', type: '集合' } });
  [wf] = (await h.start(setId)) as [string];
  await h.advanceTo(atChinaTime('2022-02-01', '10:00'));
}, 180_000);
afterAll(async () => h?.close());

const deps = () => ({ client: h.env.client, prisma: h.db.prisma });

describe('office actions on a running task', () => {
  it('accepts a task reference with or without the duban/ prefix', () => {
    expect(taskWorkflowId('2022-shapingba/9')).toBe('duban/2022-shapingba/9');
    expect(taskWorkflowId('duban/2022-shapingba/9')).toBe('duban/2022-shapingba/9');
  });

  it('records a 签收 taken by phone', async () => {
    await performOfficeAction(deps(), wf, { action: 'ack', unit: '区水利局' }, '李四');
    await h.advanceTo(atChinaTime('2022-02-02', '10:00'));
    const view = await taskState(h.env.client, wf);
    expect(view.units.find((u) => u.name === '区水利局')?.acknowledgedAt).toBeGreaterThan(0);
  });

  it('moves the deadline, and the database and audit log follow', async () => {
    expect(
      await performOfficeAction(
        deps(),
        wf,
        { action: 'extend', newDeadline: '2022-09-30', reason: '汛期施工受限' },
        '张三',
      ),
    ).toEqual({ accepted: true });
    await h.advanceTo(atChinaTime('2022-02-03', '10:00'));
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: wf } });
    expect(task.deadline.toISOString().slice(0, 10)).toBe('2022-09-30');
    expect(
      await h.db.prisma.auditEvent.findFirst({ where: { workflowId: wf, action: 'task.extend' } }),
    ).toMatchObject({ actor: '张三' });
  });

  it('refuses, with the reason, what cannot be done', async () => {
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'reassign', lead: ['区不存在局'], co: [], reason: '调整' },
        '张三',
      ),
    ).rejects.toThrow(/单位名录中没有：区不存在局/);
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'reassign', lead: ['各镇街'], co: [], reason: '调整' },
        '张三',
      ),
    ).rejects.toThrow(/单位集合/);
    // a verdict before the final report is due closes nothing
    await expect(
      performOfficeAction(deps(), wf, { action: 'verdict', verdict: '完成', reason: '提前完成' }, '张三'),
    ).rejects.toBeInstanceOf(OfficeActionError);
    await expect(performOfficeAction(deps(), wf, { action: 'suspend', reason: '' }, '')).rejects.toThrow(
      /--by/,
    );
    expect(
      await h.db.prisma.auditEvent.count({
        where: { workflowId: wf, action: { in: ['task.reassign', 'task.verdict'] } },
      }),
    ).toBe(0);
  });

  it('改派, then 暂停 twice is one pause, and 恢复', async () => {
    expect(
      await performOfficeAction(
        deps(),
        wf,
        { action: 'reassign', lead: ['区交通局'], co: ['区水利局'], reason: '职能调整' },
        '张三',
      ),
    ).toEqual({ accepted: true });
    expect(
      await performOfficeAction(deps(), wf, { action: 'suspend', reason: '等待上级批复' }, '张三'),
    ).toEqual({ accepted: true });
    expect(
      await performOfficeAction(deps(), wf, { action: 'suspend', reason: '等待上级批复' }, '张三'),
    ).toEqual({ accepted: true, duplicate: true });
    expect((await taskState(h.env.client, wf)).phase).toBe('suspended');
    expect(await performOfficeAction(deps(), wf, { action: 'resume', reason: '已批复' }, '张三')).toEqual({
      accepted: true,
    });
    const view = await taskState(h.env.client, wf);
    expect(view.phase).toBe('running');
    expect(view.units.filter((u) => u.role === 'lead').map((u) => u.name)).toEqual(['区交通局']);
  });
});
