// `duban inbox list`: every message with its sender, subject, and the outcome
// as the WORKFLOW decided it — a held reply the office let through and the
// workflow then refused is 已拒收 with the workflow's reason, not 已报送 — on a
// real PostgreSQL inbox; filtered by --outcome (keys or the Chinese words).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duban, dubanEach } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { storeRaw } from '../../lib/inbound/ingest.ts';
import { listInbox } from '../../client/report/inbox-list.ts';

let db: TestDatabase;
let env: Record<string, string>;
const ids: Record<string, number> = {};

async function message(
  name: string,
  fields: {
    from: string;
    subject: string;
    outcome: string;
    reason?: string;
    reportKey?: string;
    workflowId?: string;
    unit?: string;
  },
) {
  const raw = Buffer.from(`From: ${fields.from}\r\nSubject: ${name}\r\n\r\n${name}\r\n`);
  const { id } = await storeRaw(
    db.prisma,
    `<${name}@units.test>`,
    'imap',
    raw,
    Date.parse('2022-03-25T02:00:00Z'),
  );
  await db.prisma.inboundMessage.update({
    where: { id },
    data: {
      fromAddr: fields.from,
      subject: fields.subject,
      outcome: fields.outcome,
      reason: fields.reason ?? null,
      reportKey: fields.reportKey ?? null,
      workflowId: fields.workflowId ?? null,
      unitName: fields.unit ?? null,
    },
  });
  ids[name] = id;
}

beforeAll(async () => {
  db = await createTestDatabase('duban_inbox_list');
  env = { DATABASE_URL: db.url, TOKEN_SECRET: 'i'.repeat(40) };
  const setId = await seedTaskSet(db.prisma, {
    units: [{ name: '区交通局' }],
    tasks: [{ seq: '1', text: '推进轨道交通建设', lead: ['区交通局'] }],
  });
  const task = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: setId } });
  const workflowId = task.workflowId;
  const reportRow = (key: string, accepted: boolean, refusalReason?: string) =>
    db.prisma.report.create({
      data: {
        key,
        taskId: task.id,
        unitName: '区交通局',
        period: '2022-03',
        status: '推进中',
        percent: 30,
        text: '按计划推进',
        channel: 'email',
        receivedAt: new Date('2022-03-25T02:00:00Z'),
        accepted,
        refusalReason: refusalReason ?? null,
      },
    });
  await message('taken', {
    from: 'jtj@units.test',
    subject: '回复：[督办-a1] 3月进展',
    outcome: 'applied',
    reason: '已送达任务工作流（经回复地址识别）：推进中 30%',
    reportKey: 'email/taken',
    workflowId,
    unit: '区交通局',
  });
  await reportRow('email/taken', true);
  await message('let-through-then-refused', {
    from: 'someone@else.test',
    subject: '回复：[督办-a1] 3月进展（代报）',
    outcome: 'applied',
    reason:
      '督查室（张三）核实后放行：发件地址 someone@else.test 未登记为“区交通局”的报送邮箱，已转督查室核实',
    reportKey: 'email/let-through',
    workflowId,
    unit: '区交通局',
  });
  await reportRow('email/let-through', false, '「2022年3月」报告期已截止，不再接收');
  await message('held', {
    from: 'stranger@else.test',
    subject: '进展情况',
    outcome: 'held',
    reason: '发件地址 stranger@else.test 未登记为“区交通局”的报送邮箱，已转督查室核实',
    workflowId,
    unit: '区交通局',
  });
  await message('auto', { from: 'jtj@units.test', subject: '自动回复：外出', outcome: 'auto-reply' });
  // routed, the workflow has not recorded its answer yet: as intake recorded it
  await message('in-flight', {
    from: 'jtj@units.test',
    subject: '回复：[督办-a1] 3月补充',
    outcome: 'applied',
    reason: '已送达任务工作流（经回复地址识别）：推进中 35%',
    reportKey: 'email/in-flight',
    workflowId,
    unit: '区交通局',
  });
  await db.prisma.attachment.create({
    data: { inboundMessageId: ids.taken!, filename: '进展.pdf', contentType: 'application/pdf', size: 3 },
  });
}, 60_000);
afterAll(async () => db?.drop());

describe('duban inbox list', () => {
  it('each message with sender, subject, and the outcome the workflow decided', async () => {
    const all = await listInbox(db.prisma);
    expect(all.map((m) => [m.id, m.outcome])).toEqual([
      [ids.taken, 'applied'],
      [ids['let-through-then-refused'], 'refused'],
      [ids.held, 'held'],
      [ids.auto, 'auto-reply'],
      [ids['in-flight'], 'applied'],
    ]);
    const refused = all[1]!;
    expect(refused).toMatchObject({
      from: 'someone@else.test',
      subject: '回复：[督办-a1] 3月进展（代报）',
      reason: '任务工作流拒收：「2022年3月」报告期已截止，不再接收',
      recordedOutcome: 'applied',
      report: { accepted: false, period: '2022-03' },
    });
    expect(refused.recordedReason).toContain('督查室（张三）核实后放行');
    expect(all[0]).toMatchObject({
      reason: '已送达任务工作流（经回复地址识别）：推进中 30%',
      attachments: 1,
      receivedAt: '2022-03-25T02:00:00.000Z',
    });
    expect(all[4]!.report).toBeNull();
    expect((await listInbox(db.prisma, { outcomes: ['applied'] })).map((m) => m.id)).toEqual([
      ids.taken,
      ids['in-flight'],
    ]);
  });

  it('the CLI: JSON for scripts, text for people, --outcome by key or Chinese word, bad input exit 2', async () => {
    const [all, refused, byWords, human, badOutcome, extra] = await dubanEach(
      [
        ['--json'],
        ['--outcome', 'refused', '--json'],
        ['--outcome', '已拒收,待督查室核实', '--json'],
        [],
        ['--outcome', 'lost'],
        ['extra'],
      ],
      (args) => duban(['inbox', 'list', ...args], { env }),
    );
    const json = JSON.parse(all!.stdout);
    expect(json.count).toBe(5);
    expect(json.counts).toEqual({ applied: 2, refused: 1, held: 1, 'auto-reply': 1 });
    expect(JSON.parse(refused!.stdout).messages.map((m: { id: number }) => m.id)).toEqual([
      ids['let-through-then-refused'],
    ]);
    expect(JSON.parse(byWords!.stdout).messages.map((m: { outcome: string }) => m.outcome)).toEqual([
      'refused',
      'held',
    ]);
    expect(human!.code).toBe(0);
    expect(human!.stdout).toContain('someone@else.test  回复：[督办-a1] 3月进展（代报）');
    expect(human!.stdout).toContain('已拒收：任务工作流拒收：「2022年3月」报告期已截止，不再接收');
    expect(human!.stdout).not.toMatch(/已报送：督查室（张三）/);
    expect(human!.stdout).toContain('共 5 封：已报送 2，已拒收 1，待督查室核实 1，自动回复（已忽略） 1');
    for (const bad of [badOutcome!, extra!]) {
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^错误：/);
    }
  });
});
