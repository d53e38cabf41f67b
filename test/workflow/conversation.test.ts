// The unit's side of the conversation on the real task workflow: the 签收 of
// the 交办 notice (alone, and with a report for the period open now), a
// report for "the period open now", and a 延期申请 by signal — taken and
// decided, or refused by the rules — each reaching the read model
// (Assignment, Report, ExtensionRequest) and the unit's mail in its thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, mailsOf, report, seedTaskSet, type Harness } from './harness.ts';
import {
  acknowledgeSignal,
  decideExtensionUpdate,
  reportSignal,
  requestExtensionSignal,
  stateQuery,
} from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { OPEN_PERIOD } from '../../workflows/types.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/**
 * Waits until the projection shows what the workflow did (the activities run
 * after the signal: the wake-up's rows first, then each mail on its own), up
 * to 30 s (a loaded 2-core machine).
 */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

// each case runs months of a task on the time-skipping server: up to 2 minutes on a loaded machine
describe('the unit answers by mail', { timeout: 120_000 }, () => {
  it('a reply to the 交办 notice is the 签收; with a status, the report of the period open then', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区交通局' }, { name: '区财政局' }],
      tasks: [{ seq: '31', lead: ['区交通局'], co: ['区财政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-04', '10:00'));

    // before any request: the 签收 alone (its "状态：推进中" is no report: nothing is open)
    const before = await h.clock();
    const first = report(OPEN_PERIOD, '区交通局', { key: 'email:<ack-1@units.test>', percent: null });
    await handle.signal(acknowledgeSignal, {
      unit: '区交通局',
      channel: 'email',
      receivedAt: await h.clock(),
      report: first,
    });
    const view = await handle.query(stateQuery);
    const acknowledgedAt = view.units.find((u) => u.name === '区交通局')?.acknowledgedAt;
    expect(acknowledgedAt).toBeGreaterThanOrEqual(before);
    expect(acknowledgedAt).toBeLessThanOrEqual(await h.clock());
    const assignment = await eventually(
      () =>
        h.db.prisma.assignment.findFirstOrThrow({
          where: { task: { workflowId: wf! }, unit: { name: '区交通局' } },
        }),
      (a) => a.acknowledgedAt !== null,
    );
    expect(assignment.acknowledgedVia).toBe('email');
    expect(await h.db.prisma.report.count({ where: { task: { workflowId: wf! } } })).toBe(0);

    // the co-unit acknowledges by phone, through the office
    await handle.signal(acknowledgeSignal, { unit: '区财政局', channel: 'cli', receivedAt: await h.clock() });
    expect(
      (
        await eventually(
          () =>
            h.db.prisma.assignment.findFirstOrThrow({
              where: { task: { workflowId: wf! }, unit: { name: '区财政局' } },
            }),
          (a) => a.acknowledgedAt !== null,
        )
      ).acknowledgedVia,
    ).toBe('cli');

    // February's request is out: a late 签收 with a status reports February
    await h.advanceTo(atChinaTime('2022-02-16', '10:00'));
    const again = report(OPEN_PERIOD, '区交通局', {
      key: 'email:<ack-2@units.test>',
      status: '推进中',
      percent: 15,
      channel: 'email',
    });
    await handle.signal(acknowledgeSignal, {
      unit: '区交通局',
      channel: 'email',
      receivedAt: await h.clock(),
      report: again,
    });
    const taken = await eventually(
      () => h.db.prisma.report.findUnique({ where: { key: 'email:<ack-2@units.test>' } }),
      (r) => r !== null,
    );
    expect(taken).toMatchObject({ period: '2022-02', accepted: true, percent: 15, unitName: '区交通局' });
    // the first 签收 still counts
    expect((await handle.query(stateQuery)).units.find((u) => u.name === '区交通局')?.acknowledgedAt).toBe(
      acknowledgedAt,
    );

    // a report "for the period open now" (a reply to the 延期 decision) goes to February too
    await handle.signal(
      reportSignal,
      report(OPEN_PERIOD, '区交通局', { key: 'email:<open-1@units.test>', percent: 20 }),
    );
    expect(
      await eventually(
        () => h.db.prisma.report.findUnique({ where: { key: 'email:<open-1@units.test>' } }),
        (r) => r !== null,
      ),
    ).toMatchObject({ period: '2022-02', accepted: true, percent: 20 });
  });

  it('a 延期申请 by mail reaches the office, and the decision goes back in the unit’s thread', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区水利局' }],
      tasks: [{ seq: '32', deadline: '2022-06-30', lead: ['区水利局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-03-21', '10:00'));
    await handle.signal(requestExtensionSignal, {
      key: 'ext-mail-1',
      unit: '区水利局',
      newDeadline: '2022-09-30',
      reason: '汛期施工受限',
      receivedAt: await h.clock(),
      channel: 'email',
      inboundMessageId: '<ask-1@units.test>',
    });
    const filed = await eventually(
      () => h.db.prisma.extensionRequest.findUnique({ where: { key: 'ext-mail-1' } }),
      (row) => row !== null,
    );
    expect(filed).toMatchObject({
      status: 'pending',
      unitName: '区水利局',
      channel: 'email',
      inboundMessageId: '<ask-1@units.test>',
      reason: '汛期施工受限',
    });
    expect(filed!.newDeadline.toISOString().slice(0, 10)).toBe('2022-09-30');
    // the office's mail is its own activity, after the row above
    const office = await eventually(
      async () => (await mailsOf(h, wf!)).find((m) => m.kind === 'extension-filed'),
      (m) => m !== undefined,
    );
    expect(office).toMatchObject({ toAddrs: ['ducha@duban.test'], unitName: null });

    await handle.executeUpdate(decideExtensionUpdate, {
      args: [{ key: 'ext-mail-1', approve: true, by: '督查室张三', reason: '同意，请抓紧推进' }],
    });
    const decided = await eventually(
      () => h.db.prisma.extensionRequest.findUniqueOrThrow({ where: { key: 'ext-mail-1' } }),
      (row) => row.status !== 'pending',
    );
    expect(decided).toMatchObject({
      status: 'approved',
      decidedBy: '督查室张三',
      decisionReason: '同意，请抓紧推进',
    });
    const answer = await eventually(
      async () => (await mailsOf(h, wf!)).find((m) => m.kind === 'extension'),
      (m) => m !== undefined,
    );
    expect(answer).toMatchObject({
      unitName: '区水利局',
      toAddrs: ['u1@units.test'],
      inReplyTo: '<ask-1@units.test>',
      status: 'sent',
    });
    expect(answer!.subject).toMatch(/^【延期同意】/);
    // the decision invites an answer: a token for "the period open now"
    expect(answer!.replyToken).toBeTruthy();
    expect((await handle.query(stateQuery)).deadline).toBe('2022-09-30');
  });

  it('a 延期申请 the rules refuse is kept as refused and the unit is told why, in its thread', async () => {
    await h.begin();
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区城管局' }, { name: '区民政局' }],
      tasks: [{ seq: '33', deadline: '2022-06-30', lead: ['区城管局'], co: ['区民政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-03-21', '10:00'));
    const ask = {
      unit: '区城管局',
      reason: '拆迁未完成',
      receivedAt: await h.clock(),
      channel: 'email' as const,
    };
    // not later than the deadline
    await handle.signal(requestExtensionSignal, {
      ...ask,
      key: 'ext-early',
      newDeadline: '2022-05-31',
      inboundMessageId: '<ask-early@units.test>',
    });
    // a co-unit may not ask
    await handle.signal(requestExtensionSignal, {
      ...ask,
      unit: '区民政局',
      key: 'ext-co',
      newDeadline: '2022-12-31',
      inboundMessageId: '<ask-co@units.test>',
    });
    const rows = await eventually(
      () =>
        h.db.prisma.extensionRequest.findMany({
          where: { task: { workflowId: wf! } },
          orderBy: { key: 'asc' },
        }),
      (found) => found.length === 2,
    );
    expect(rows.map((r) => [r.key, r.status, r.decidedBy])).toEqual([
      ['ext-co', 'refused', '督办系统（按规则）'],
      ['ext-early', 'refused', '督办系统（按规则）'],
    ]);
    expect(rows[1]!.decisionReason).toContain('应晚于当前时限 2022-06-30');
    expect(rows[0]!.decisionReason).toContain('只有牵头单位可以申请延期');
    const told = await eventually(
      async () => (await mailsOf(h, wf!)).filter((m) => m.kind === 'extension'),
      (found) => found.length === 2,
    );
    expect(told.map((m) => [m.unitName, m.inReplyTo]).sort()).toEqual([
      ['区城管局', '<ask-early@units.test>'],
      ['区民政局', '<ask-co@units.test>'],
    ]);
    expect(told.every((m) => m.subject.startsWith('【延期未受理】'))).toBe(true);
    // nothing is pending for the office
    expect((await handle.query(stateQuery)).pendingExtensions).toEqual([]);
    expect((await mailsOf(h, wf!)).some((m) => m.kind === 'extension-filed')).toBe(false);
  });
});
