// Every update refuses malformed input in its validator, with a failure kind
// and a Chinese reason, and never by failing the workflow task (issue 8): a
// date that does not exist, a blank reason, an unknown report or unit, a
// percent of 150, a verdict 'xyz'. Signals take anything without failing.
// Afterwards the history shows no WorkflowTaskFailed and valid actions work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { answerEveryRequest, createHarness, report, seedTaskSet, type Harness } from './harness.ts';
import {
  acknowledgeSignal,
  decideExtensionUpdate,
  extendDeadlineUpdate,
  officeVerdictUpdate,
  reassignUpdate,
  reportSignal,
  requestExtensionSignal,
  requestExtensionUpdate,
  resumeUpdate,
  returnReportUpdate,
  stateQuery,
  submitReportUpdate,
  suspendUpdate,
  withdrawUpdate,
} from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import type { FailureKind } from '../../workflows/failures.ts';
import type { TaskResult } from '../../workflows/state.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

type Kind = FailureKind;
const CHINESE = /[\u4e00-\u9fff]/;
const by = '督查室';
const unit = (name: string, slug: string) => ({
  name,
  emails: [`${slug}@units.test`],
  leaderEmails: [`leader-${slug}@units.test`],
});

/** The update is refused by its validator with this kind and a Chinese reason (matching `reason`). */
async function expectRefused(update: Promise<unknown>, kind: Kind, reason?: RegExp): Promise<void> {
  const err = await update.then(
    (value) => new Error(`accepted: ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  expect({ kind: failure.type, reason: failure.message }).toMatchObject({
    kind,
    reason: expect.stringMatching(reason ?? CHINESE),
  });
  expect(failure.message).toMatch(CHINESE);
}

async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes).length;
}

async function acceptedUpdates(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)
    .length;
}

describe('malformed updates are refused by their validators', () => {
  it('refuses every malformed office action with a kind and a reason; the workflow task never fails', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区水利局' }, { name: '区交通局' }, { name: '区商务委' }],
      tasks: [{ seq: '31', deadline: '2022-06-30', lead: ['区水利局'], co: ['区交通局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-18', '10:00'));
    const now = await h.clock();
    const jan = report('2022-01', '区水利局', { key: 'jan-1', receivedAt: now });
    expect(await handle.executeUpdate(submitReportUpdate, { args: [jan] })).toEqual({ accepted: true });
    const updatesBefore = await acceptedUpdates(handle);

    const submit = (over: object) =>
      handle.executeUpdate(submitReportUpdate, { args: [{ ...jan, key: 'bad', ...over } as never] });
    await expectRefused(submit({ percent: 150 }), 'BadInput', /进度应在 0–100 之间，收到 150/);
    await expectRefused(submit({ percent: 33.5 }), 'BadInput', /进度应为 0–100 的整数/);
    await expectRefused(submit({ status: 'xyz' }), 'BadInput', /完成情况应为/);
    await expectRefused(submit({ key: '' }), 'BadInput', /报送编号/);
    await expectRefused(submit({ key: '__proto__' }), 'BadInput', /报送编号/);
    await expectRefused(submit({ receivedAt: 'yesterday' }), 'BadInput', /收到时间/);
    await expectRefused(submit({ unit: '区商务委' }), 'Refused', /单位「区商务委」不是本任务的责任单位/);
    await expectRefused(submit({ period: '2022-13' }), 'Refused', /没有报送期次「2022-13」/);
    await expectRefused(submit({ period: '2022-03' }), 'Refused', /尚未开始/);
    await expectRefused(
      handle.executeUpdate(submitReportUpdate, { args: [null as never] }),
      'BadInput',
      /无法识别的报送/,
    );

    const returnReport = (over: object) =>
      handle.executeUpdate(returnReportUpdate, {
        args: [{ reportKey: 'jan-1', reason: '内容过简', by, ...over } as never],
      });
    await expectRefused(returnReport({ reportKey: 'no-such-report' }), 'NotFound', /没有这份报告/);
    await expectRefused(returnReport({ reportKey: '' }), 'BadInput', /报告编号/);
    await expectRefused(returnReport({ reason: '   ' }), 'BadInput', /退回须说明理由/);
    await expectRefused(returnReport({ reason: '过'.repeat(2_001) }), 'BadInput', /理由过长：2001 字/);
    await expectRefused(returnReport({ by: '' }), 'BadInput', /经办人/);

    const askExtension = (over: object) =>
      handle.executeUpdate(requestExtensionUpdate, {
        args: [
          {
            key: 'ext-bad',
            unit: '区水利局',
            newDeadline: '2022-09-30',
            reason: '汛期施工受限',
            receivedAt: now,
            ...over,
          } as never,
        ],
      });
    await expectRefused(
      askExtension({ newDeadline: '2022-09-31' }),
      'BadInput',
      /「2022-09-31」不是有效日期/,
    );
    await expectRefused(
      askExtension({ newDeadline: '2022-13-45' }),
      'BadInput',
      /「2022-13-45」不是有效日期/,
    );
    await expectRefused(askExtension({ reason: '' }), 'BadInput', /延期申请须说明理由/);
    await expectRefused(askExtension({ unit: '区交通局' }), 'Refused', /只有牵头单位可以申请延期/);
    await expectRefused(askExtension({ newDeadline: '2022-05-31' }), 'Refused', /应晚于当前时限 2022-06-30/);
    await expectRefused(askExtension({ newDeadline: '2099-12-31' }), 'Refused', /太远/);

    const decide = (over: object) =>
      handle.executeUpdate(decideExtensionUpdate, {
        args: [{ key: 'ext-1', approve: true, by, ...over } as never],
      });
    await expectRefused(decide({}), 'NotFound', /没有这份延期申请：ext-1/);
    await expectRefused(decide({ approve: 'yes' }), 'BadInput', /同意或不同意/);
    await expectRefused(decide({ by: ' ' }), 'BadInput', /经办人/);

    const extend = (over: object) =>
      handle.executeUpdate(extendDeadlineUpdate, {
        args: [{ newDeadline: '2022-09-30', reason: '汛期施工受限', approver: '张三', ...over } as never],
      });
    await expectRefused(extend({ newDeadline: '2022-09-31' }), 'BadInput', /「2022-09-31」不是有效日期/);
    await expectRefused(extend({ newDeadline: '2022-13-45' }), 'BadInput', /「2022-13-45」不是有效日期/);
    await expectRefused(extend({ newDeadline: '' }), 'BadInput', /不是有效日期/);
    await expectRefused(extend({ newDeadline: 20220930 }), 'BadInput', /不是有效日期/);
    await expectRefused(extend({ reason: ' ' }), 'BadInput', /延期须说明理由/);
    await expectRefused(extend({ approver: '' }), 'BadInput', /批准人/);
    await expectRefused(extend({ newDeadline: '2022-03-01' }), 'Refused', /早于当前时限 2022-06-30/);
    await expectRefused(extend({ newDeadline: '2099-12-31' }), 'Refused', /太远/);

    const reassign = (over: object) =>
      handle.executeUpdate(reassignUpdate, {
        args: [{ lead: [unit('区商务委', 'u3')], co: [], reason: '职能调整', by, ...over } as never],
      });
    await expectRefused(reassign({ lead: [] }), 'BadInput', /至少需要一个牵头单位/);
    await expectRefused(reassign({ lead: '区商务委' }), 'BadInput', /牵头单位应为单位列表/);
    await expectRefused(
      reassign({ lead: [{ name: '', emails: [], leaderEmails: [] }] }),
      'BadInput',
      /单位名称/,
    );
    await expectRefused(reassign({ lead: [{ name: '区商务委' }] }), 'BadInput', /邮箱/);
    await expectRefused(reassign({ co: [unit('区商务委', 'u3')] }), 'BadInput', /单位「区商务委」重复出现/);
    await expectRefused(reassign({ reason: '' }), 'BadInput', /调整责任单位须说明理由/);

    await expectRefused(
      handle.executeUpdate(suspendUpdate, { args: [{ reason: ' ', by }] }),
      'BadInput',
      /暂停须说明理由/,
    );
    await expectRefused(
      handle.executeUpdate(suspendUpdate, { args: [{ reason: '等待批复', by: '' }] }),
      'BadInput',
      /经办人/,
    );
    await expectRefused(
      handle.executeUpdate(resumeUpdate, { args: [{ reason: 42, by } as never] }),
      'BadInput',
      /理由应为文字/,
    );
    await expectRefused(
      handle.executeUpdate(withdrawUpdate, { args: [{ reason: '', by }] }),
      'BadInput',
      /撤销须说明理由/,
    );

    await expectRefused(
      handle.executeUpdate(officeVerdictUpdate, { args: [{ verdict: 'xyz', reason: '抽查', by } as never] }),
      'BadInput',
      /评定应为 完成、部分完成、未完成 之一/,
    );
    await expectRefused(
      handle.executeUpdate(officeVerdictUpdate, { args: [{ by: '' }] }),
      'BadInput',
      /经办人/,
    );
    await expectRefused(
      handle.executeUpdate(officeVerdictUpdate, { args: [{ by }] }),
      'Refused',
      /最终报告尚未请报/,
    );

    // signals have no one to answer: anything is taken without failing the workflow task
    await handle.signal(reportSignal, null as never);
    await handle.signal(reportSignal, { ...jan, key: 'odd-percent', percent: 33.5 });
    await handle.signal(reportSignal, { ...jan, key: 'odd-unit', unit: { name: '区水利局' } } as never);
    await handle.signal(reportSignal, { ...jan, key: 'too-much', percent: 150 });
    await handle.signal(acknowledgeSignal, null as never);
    await handle.signal(requestExtensionSignal, {
      key: 'ext-signal',
      unit: '区水利局',
      newDeadline: '2022-13-45',
      reason: '汛期',
      receivedAt: now,
    });
    await h.advanceTo(atChinaTime('2022-01-18', '11:00'));

    const history = await handle.fetchHistory();
    expect(history.events?.length).toBeGreaterThan(0);
    expect(await workflowTaskFailures(handle)).toBe(0);
    // no refused update reached the history
    expect(await acceptedUpdates(handle)).toBe(updatesBefore);
    const view = await handle.query(stateQuery);
    expect(view.deadline).toBe('2022-06-30');
    expect(view.pendingExtensions).toEqual([]);
    expect(view.refusals).toEqual([
      { key: '', reason: expect.stringMatching(/无法识别的报送/) },
      { key: 'odd-percent', reason: expect.stringMatching(/进度应为 0–100 的整数/) },
      { key: 'odd-unit', reason: expect.stringMatching(/报送单位应为文字/) },
      { key: 'too-much', reason: '进度应在 0–100 之间，收到 150' },
    ]);
    // a refusal that fits the Report table's columns is kept there too; the others only in the workflow
    const rows = await h.db.prisma.report.findMany({
      where: { task: { workflowId: wf! } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((row) => [row.key, row.accepted, row.refusalReason])).toEqual([
      ['jan-1', true, null],
      ['too-much', false, '进度应在 0–100 之间，收到 150'],
    ]);

    // valid actions still work afterwards
    expect(
      await handle.executeUpdate(returnReportUpdate, {
        args: [{ reportKey: 'jan-1', reason: '内容过简', by }],
      }),
    ).toEqual({ accepted: true });
    expect(await askExtension({ key: 'ext-1' })).toEqual({ accepted: true });
    expect(await decide({})).toEqual({ accepted: true });
    await expectRefused(decide({ approve: false, reason: '不同意' }), 'Conflict', /已有不同的决定/);
    expect(await extend({ newDeadline: '2022-10-31' })).toEqual({ accepted: true });
    expect(await reassign({})).toEqual({ accepted: true });
    expect(await handle.executeUpdate(suspendUpdate, { args: [{ reason: '等待批复', by }] })).toEqual({
      accepted: true,
    });
    expect(await handle.executeUpdate(resumeUpdate, { args: [{ reason: '', by }] })).toEqual({
      accepted: true,
    });
    const after = await handle.query(stateQuery);
    expect(after.deadline).toBe('2022-10-31');
    expect(after.units.filter((u) => u.role === 'lead').map((u) => u.name)).toEqual(['区商务委']);
    expect(await handle.executeUpdate(withdrawUpdate, { args: [{ reason: '市级统一部署', by }] })).toEqual({
      accepted: true,
    });
    const result: TaskResult = await handle.result();
    expect(result.outcome).toBe('withdrawn');
    expect(await workflowTaskFailures(handle)).toBe(0);
  });

  it('the office verdict: malformed refused, early refused, then a confirmation closes the task', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区统计局' }],
      tasks: [{ seq: '32', deadline: '2022-03-31', lead: ['区统计局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await answerEveryRequest(h, wf!, '区统计局');
    // the final report is requested but not filed, and not yet due
    await h.advanceTo(atChinaTime('2022-03-25', '10:00'));
    const verdict = (input: object) => handle.executeUpdate(officeVerdictUpdate, { args: [input as never] });
    await expectRefused(verdict({ by }), 'Refused', /须待各牵头单位都报送最终报告/);
    await h.advanceTo(atChinaTime('2022-04-02', '10:00'));
    await expectRefused(verdict({ verdict: 'xyz', reason: '抽查', by }), 'BadInput', /评定应为/);
    await expectRefused(verdict({ verdict: '完成', by }), 'BadInput', /改变评定须说明理由/);
    await expectRefused(verdict({ verdict: '完成', reason: ' ', by }), 'BadInput', /改变评定须说明理由/);
    await expectRefused(verdict({ reason: '抽查'.repeat(1_001), by }), 'BadInput', /理由过长/);
    expect(await verdict({ by })).toEqual({ accepted: true });
    const result: TaskResult = await handle.result();
    expect(result.verdict).toMatchObject({ final: '未完成', decidedBy: 'office', overridden: false });
    expect(await workflowTaskFailures(handle)).toBe(0);
  });
});
