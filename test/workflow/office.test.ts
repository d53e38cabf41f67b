// The office's actions: extension, reassignment, suspend / resume, withdrawal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { createHarness, mailsOf, seedTaskSet, type Harness } from './harness.ts';
import {
  decideExtensionUpdate,
  reassignUpdate,
  requestExtensionUpdate,
  resumeUpdate,
  stateQuery,
  suspendUpdate,
  withdrawUpdate,
} from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import type { TaskResult } from '../../workflows/state.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const unit = (name: string, slug: string) => ({
  name,
  emails: [`${slug}@units.test`],
  leaderEmails: [`leader-${slug}@units.test`],
});

describe('office actions', () => {
  it('延期申请 approved: the deadline moves and the missing months are planned', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区水利局' }],
      tasks: [{ seq: '81', deadline: '2022-06-30', lead: ['区水利局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    const before = await handle.query(stateQuery);
    expect(before.periods.at(-1)).toMatchObject({ id: 'final', dueOn: '2022-06-30' });
    await h.advanceTo(atChinaTime('2022-03-20', '10:00'));

    const ask = {
      key: 'ext-1',
      unit: '区水利局',
      newDeadline: '2022-09-30',
      reason: '汛期施工受限',
      receivedAt: await h.clock(),
    };
    await expect(
      handle.executeUpdate(requestExtensionUpdate, { args: [{ ...ask, newDeadline: '2022-05-31' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await handle.executeUpdate(requestExtensionUpdate, { args: [ask] })).toEqual({ accepted: true });
    expect(await handle.executeUpdate(requestExtensionUpdate, { args: [ask] })).toEqual({
      accepted: true,
      duplicate: true,
    });
    expect((await handle.query(stateQuery)).pendingExtensions).toHaveLength(1);

    expect(
      await handle.executeUpdate(decideExtensionUpdate, {
        args: [{ key: 'ext-1', approve: true, by: '督查室' }],
      }),
    ).toEqual({ accepted: true });
    const after = await handle.query(stateQuery);
    expect(after.deadline).toBe('2022-09-30');
    expect(after.pendingExtensions).toHaveLength(0);
    expect(after.periods.map((p) => p.id)).toEqual(
      expect.arrayContaining(['2022-06', '2022-07', '2022-08', 'final']),
    );
    expect(after.periods.at(-1)).toMatchObject({ id: 'final', dueOn: '2022-09-30' });
    await h.advanceTo(atChinaTime('2022-03-20', '11:00'));
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: wf! } });
    expect(task.deadline.toISOString().slice(0, 10)).toBe('2022-09-30');
    const mails = await mailsOf(h, wf!);
    expect(mails.find((m) => m.subject.startsWith('【延期申请】'))?.toAddrs).toEqual(['ducha@duban.test']);
    expect(mails.find((m) => m.subject.startsWith('【延期同意】'))?.toAddrs).toEqual(['u1@units.test']);
  });

  it('reassignment: the new lead unit is told and asked, the old one is no longer chased', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区交通局' }, { name: '区物流办' }, { name: '区商务委' }],
      tasks: [{ seq: '90', lead: ['区交通局'], co: ['区商务委'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-18', '10:00'));
    const change = {
      lead: [unit('区物流办', 'u2')],
      co: [unit('区商务委', 'u3')],
      reason: '职能调整',
      by: '督查室',
    };
    expect(await handle.executeUpdate(reassignUpdate, { args: [change] })).toEqual({ accepted: true });
    expect(await handle.executeUpdate(reassignUpdate, { args: [change] })).toEqual({
      accepted: true,
      duplicate: true,
    });
    await h.advanceTo(atChinaTime('2022-02-08', '10:00'));

    const mails = await mailsOf(h, wf!);
    const to = (kind: string) => mails.filter((m) => m.kind === kind).map((m) => m.toAddrs[0]);
    expect(to('notice')).toEqual(['u1@units.test', 'u2@units.test']);
    expect(to('request')).toEqual(['u1@units.test', 'u2@units.test']);
    expect(to('reminder')).toEqual(['u2@units.test', 'u2@units.test']);
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { assignments: { include: { unit: true } }, escalations: true },
    });
    expect(task.escalations.every((e) => e.unitName === '区物流办')).toBe(true);
    const roles = task.assignments.map((a) => [a.unit.name, a.role, a.active]).sort();
    expect(roles).toEqual([
      ['区交通局', 'lead', false],
      ['区商务委', 'co', true],
      ['区物流办', 'lead', true],
    ]);
  });

  it('suspend / resume: nothing is sent while paused, and no backlog afterwards', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区人民防空办' }],
      tasks: [{ seq: '95', lead: ['区人民防空办'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-20', '10:00'));
    await expect(
      handle.executeUpdate(suspendUpdate, { args: [{ reason: ' ', by: '督查室' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(
      await handle.executeUpdate(suspendUpdate, { args: [{ reason: '等待上级批复', by: '督查室' }] }),
    ).toEqual({ accepted: true });
    await h.advanceTo(atChinaTime('2022-01-20', '11:00'));
    expect((await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: wf! } })).state).toBe('已暂停');
    expect((await handle.query(stateQuery)).suspended).toMatchObject({ reason: '督查室：等待上级批复' });
    const sentBefore = (await mailsOf(h, wf!)).length;

    await h.advanceTo(atChinaTime('2022-04-20', '10:00'));
    expect((await mailsOf(h, wf!)).length).toBe(sentBefore); // no 催办 for January, no requests for February–April

    expect(await handle.executeUpdate(resumeUpdate, { args: [{ reason: '已批复', by: '督查室' }] })).toEqual({
      accepted: true,
    });
    await h.advanceTo(atChinaTime('2022-04-28', '10:00'));
    const mails = await mailsOf(h, wf!);
    expect(mails.filter((m) => m.kind === 'request').map((m) => /2022年\d+月/.exec(m.subject)?.[0])).toEqual([
      '2022年1月',
      '2022年4月',
    ]);
    // April's ladder runs again as usual: due Monday 25th, 催办 on Tuesday 26th, 再次催办 on Thursday 28th
    const rungs = await h.db.prisma.escalation.findMany({
      where: { task: { workflowId: wf! } },
      orderBy: { at: 'asc' },
    });
    expect(rungs.map((r) => [r.period, r.level, r.at.getTime()])).toEqual([
      ['2022-04', 'reminder1', atChinaTime('2022-04-26', '09:00')],
      ['2022-04', 'reminder2', atChinaTime('2022-04-28', '09:00')],
    ]);
    const view = await handle.query(stateQuery);
    expect(view.phase).toBe('running');
    expect(view.periods.map((p) => p.id)).not.toContain('2022-02');
  });

  it('withdrawal ends the workflow with no verdict and tells the units', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区财政局' }, { name: '区税务局' }],
      tasks: [{ seq: '99', lead: ['区财政局'], co: ['区税务局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-18', '10:00'));
    await expect(
      handle.executeUpdate(withdrawUpdate, { args: [{ reason: '', by: '督查室' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(
      await handle.executeUpdate(withdrawUpdate, {
        args: [{ reason: '市级统一部署，不再单列', by: '督查室' }],
      }),
    ).toEqual({ accepted: true });
    const result: TaskResult = await handle.result();
    expect(result).toMatchObject({
      outcome: 'withdrawn',
      withdrawn: { reason: '市级统一部署，不再单列', by: '督查室' },
    });
    expect(result.verdict).toBeUndefined();
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: wf! },
      include: { verdict: true },
    });
    expect(task).toMatchObject({ state: '已撤销', verdict: null, nextDue: null });
    const mail = (await mailsOf(h, wf!)).find((m) => m.subject.startsWith('【撤销】'))!;
    expect(mail).toMatchObject({ toAddrs: ['u1@units.test'], ccAddrs: ['u2@units.test'] });
  });
});
