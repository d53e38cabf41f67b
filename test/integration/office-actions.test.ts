// `duban task …`: the office's actions reach the real workflow (time-skipping
// server, PostgreSQL), refusals come back with the workflow's kind and reason,
// and every action done is in the audit log with who did it. The command
// itself runs as a child process: a malformed action exits 2 with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duban, dubanEach } from '../helpers/cli.ts';
import { createHarness, seedTaskSet, type Harness } from '../workflow/harness.ts';
import { performOfficeAction, taskState, taskWorkflowId } from '../../client/office/actions.ts';
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

  it('refuses, with a kind and the reason, what cannot be done', async () => {
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'reassign', lead: ['区不存在局'], co: [], reason: '调整' },
        '张三',
      ),
    ).rejects.toMatchObject({
      kind: 'BadInput',
      message: expect.stringMatching(/单位名录中没有：区不存在局/),
    });
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'reassign', lead: ['各镇街'], co: [], reason: '调整' },
        '张三',
      ),
    ).rejects.toMatchObject({ kind: 'BadInput', message: expect.stringMatching(/单位集合/) });
    // a verdict before the final report is due closes nothing: the workflow refuses
    await expect(
      performOfficeAction(deps(), wf, { action: 'verdict', verdict: '完成', reason: '提前完成' }, '张三'),
    ).rejects.toMatchObject({
      kind: 'Refused',
      message: expect.stringMatching(/^任务工作流拒绝：最终报告/),
      details: { workflowId: wf, action: 'verdict', accepted: false },
    });
    // a date that does not exist is the validator's BadInput, not a failed workflow task
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'extend', newDeadline: '2022-09-31', reason: '汛期' },
        '张三',
      ),
    ).rejects.toMatchObject({
      kind: 'BadInput',
      message: expect.stringMatching(/^任务工作流拒绝：新的完成时限「2022-09-31」不是有效日期/),
    });
    await expect(
      performOfficeAction(
        deps(),
        wf,
        { action: 'return', reportKey: 'no-such-report', reason: '过简' },
        '张三',
      ),
    ).rejects.toMatchObject({ kind: 'NotFound', message: '任务工作流拒绝：没有这份报告：no-such-report' });
    await expect(
      performOfficeAction(deps(), `duban/${setId}/999`, { action: 'suspend', reason: '等待' }, '张三'),
    ).rejects.toMatchObject({ kind: 'NotFound', message: `没有任务「duban/${setId}/999」` });
    await expect(
      performOfficeAction(deps(), wf, { action: 'suspend', reason: '' }, ''),
    ).rejects.toMatchObject({
      kind: 'BadInput',
      message: expect.stringMatching(/--by/),
    });
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

/** `duban task …` as a child process, against the harness's Temporal server (its worker runs in this process). */
function task(args: string[]) {
  return duban(['task', ...args], {
    env: { DATABASE_URL: h.db.url, TEMPORAL_ADDRESS: h.env.address, TOKEN_SECRET: 'y'.repeat(40) },
  });
}

describe('duban task on the command line', () => {
  it('a date that does not exist: exit 2, the reason in Chinese, kind BadInput; the workflow goes on', async () => {
    const before = await taskState(h.env.client, wf);
    // both refused, the workflow unchanged (asserted below): two at a time
    const [human, json] = await dubanEach(
      [
        ['extend', `${setId}/7`, '--to', '2022-09-31', '--reason', '汛期施工受限', '--by', '张三'],
        ['extend', `${setId}/7`, '--to', '2022-13-45', '--reason', '汛期施工受限', '--by', '张三', '--json'],
      ],
      task,
    );
    expect(human!.code).toBe(2);
    expect(human!.stderr).toContain('错误：任务工作流拒绝：新的完成时限「2022-09-31」不是有效日期');

    expect(json!.code).toBe(2);
    expect(JSON.parse(json!.stdout)).toMatchObject({
      kind: 'BadInput',
      error: expect.stringContaining('「2022-13-45」不是有效日期'),
      workflowId: wf,
      action: 'extend',
      accepted: false,
    });
    expect(json!.stderr).toContain('2022-13-45');

    const history = await h.env.client.workflow.getHandle(wf).fetchHistory();
    expect((history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes)).toEqual([]);
    expect((await taskState(h.env.client, wf)).deadline).toBe(before.deadline);
  }, 90_000);

  it('a refusal by the rules exits 2 as Refused; a task that does not exist is bad input', async () => {
    // both refused: two at a time
    const [early, missing] = await dubanEach(
      [
        ['verdict', `${setId}/7`, '--verdict', '完成', '--reason', '提前完成', '--by', '张三', '--json'],
        ['suspend', `${setId}/999`, '--reason', '等待', '--by', '张三', '--json'],
      ],
      task,
    );
    expect(early!.code).toBe(2);
    expect(JSON.parse(early!.stdout)).toMatchObject({
      kind: 'Refused',
      error: expect.stringMatching(/^任务工作流拒绝：最终报告/),
    });

    expect(missing!.code).toBe(2);
    expect(JSON.parse(missing!.stdout)).toMatchObject({
      kind: 'BadInput',
      error: `没有任务「duban/${setId}/999」`,
      workflowId: `duban/${setId}/999`,
    });
  }, 90_000);
});
