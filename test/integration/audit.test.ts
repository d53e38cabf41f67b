// The auditor's commands on real histories (time-skipping server, the real
// workflow and activities, PostgreSQL): the database agrees with the history
// after a month with an on-time report and a late unit; a tampered row is
// found and named; the histories replay against today's code; the timeline
// tells what happened in Chinese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedTaskSet, type Harness } from '../workflow/harness.ts';
import { reportSignal } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { verifyTaskSet } from '../../client/audit/verify.ts';
import { replayWorkflows } from '../../client/audit/replay.ts';
import { timeline } from '../../client/audit/timeline.ts';

let h: Harness;
let setId: string;
let ids: string[];

beforeAll(async () => {
  h = await createHarness();
  setId = await seedTaskSet(h.db.prisma, {
    units: [{ name: '区交通局' }, { name: '区财政局' }],
    tasks: [
      { seq: '1', lead: ['区交通局'] },
      { seq: '2', lead: ['区财政局'] },
    ],
  });
  ids = await h.start(setId);
  // 区交通局 reports on time for January and February.
  for (const [period, day, percent] of [
    ['2022-01', '2022-01-20', 10],
    ['2022-02', '2022-02-21', 20],
  ] as const) {
    await h.advanceTo(atChinaTime(day, '10:00'));
    await h.env.client.workflow.getHandle(ids[0]!).signal(reportSignal, {
      key: `audit-test-${period}`,
      period,
      unit: '区交通局',
      status: '推进中',
      percent,
      text: '已完成方案编制。',
      channel: 'cli',
      receivedAt: await h.clock(),
    });
  }
  // 区财政局 never reports: 催办, 再次催办 + yellow, 督办 + red by early March.
  await h.advanceTo(atChinaTime('2022-03-10', '12:00'));
}, 240_000);

afterAll(async () => {
  await h?.close();
});

describe('duban audit', () => {
  it('finds the database telling the same story as the histories', async () => {
    const result = await verifyTaskSet(h.env.client, h.db.prisma, setId);
    expect(result.discrepancies).toEqual([]);
    expect(result).toMatchObject({ tasks: 2, checked: 2, agreeing: 2 });
    expect(result.mailsOrdered).toBeGreaterThanOrEqual(5);
    expect(result.mailsRecorded).toBe(result.mailsOrdered);
    const late = await h.db.prisma.task.findFirstOrThrow({
      where: { workflowId: ids[1] },
      include: { escalations: true },
    });
    expect(late.light).toBe('red');
    // January's and February's periods, each up the whole ladder
    expect(
      late.escalations
        .filter((e) => e.period === '2022-02')
        .map((e) => e.level)
        .sort(),
    ).toEqual(['escalation', 'reminder1', 'reminder2']);
    expect(late.escalations.filter((e) => e.period === '2022-01')).toHaveLength(3);
  });

  it('names a tampered light and a deleted escalation', async () => {
    const late = await h.db.prisma.task.findFirstOrThrow({ where: { workflowId: ids[1] } });
    await h.db.prisma.task.update({ where: { id: late.id }, data: { light: 'green' } });
    const esc = await h.db.prisma.escalation.findFirstOrThrow({
      where: { taskId: late.id, level: 'escalation', period: '2022-02' },
    });
    await h.db.prisma.escalation.delete({ where: { id: esc.id } });
    try {
      const result = await verifyTaskSet(h.env.client, h.db.prisma, setId);
      expect(result.agreeing).toBe(1);
      const whats = result.discrepancies.map((d) => `${d.seq}:${d.what}`);
      expect(whats).toContain('2:亮灯不一致');
      expect(whats).toContain('2:催办/督办记录在数据库中缺失');
      expect(result.discrepancies.find((d) => d.what === '亮灯不一致')).toMatchObject({
        history: 'red',
        database: 'green',
      });
    } finally {
      await h.db.prisma.task.update({ where: { id: late.id }, data: { light: 'red' } });
      await h.db.prisma.escalation.create({
        data: {
          key: esc.key,
          taskId: esc.taskId,
          unitName: esc.unitName,
          period: esc.period,
          level: esc.level,
          at: esc.at,
        },
      });
    }
  });

  it("replays every history against today's workflow code", async () => {
    const outcomes = await replayWorkflows(h.env.client, ids);
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it("tells the late unit's story in Chinese", async () => {
    const entries = await timeline(h.env.client, ids[1]!);
    const text = entries.map((e) => e.summary).join('\n');
    expect(text).toContain('启动：第 2 项');
    expect(text).toContain('发送交办通知邮件 → 区财政局');
    expect(text).toContain('催办：区财政局，2022-02');
    expect(text).toContain('督办：区财政局，2022-02');
    expect(text).toMatch(/亮灯 黄灯 → 红灯/);
    const onTime = (await timeline(h.env.client, ids[0]!)).map((e) => e.summary).join('\n');
    expect(onTime).toContain('采纳报告：区交通局，2022-02，推进中 20%');
    expect(onTime).not.toContain('催办：');
    // the signal by its Chinese name, never the code's (report)
    expect(onTime).toContain('收到：报送');
    expect(onTime).not.toMatch(/收到：[a-z]/);
  });
});
