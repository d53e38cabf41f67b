// The office's reports from a real PostgreSQL read model.
//  - half-year: the latest accepted report before the cut-off, the opening
//    count, themes as "一是…二是…", what needs attention numbered, the late
//    units named;
//  - year-end, in the published form: "N项目标任务（预期目标x项、重点工作任务y项）中，…",
//    one numbered paragraph per 部分完成 / 未完成 task with its reason and
//    "（第N项）", the table 目标任务 | 牵头单位 | 工作推进情况 | 效果评估 | 备注;
//  - HTML escaped and printable on A4, XLSX with widths, wrapping, a frozen
//    header; the CLI's JSON keys and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duban, dubanEach } from '../helpers/cli.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { buildReport, chineseOrdinal } from '../../client/report/build.ts';
import { renderHtml, renderMarkdown, renderXlsx } from '../../client/report/render.ts';

let db: TestDatabase;
/** the half-year set */
let setId: string;
/** the year-end set */
let yearId: string;

async function taskOf(taskSetId: string, seq: string) {
  return db.prisma.task.findFirstOrThrow({ where: { taskSetId, seq } });
}

async function report(
  seq: string,
  unit: string,
  period: string,
  status: string,
  percent: number | null,
  text: string,
  at: string,
  {
    accepted = true,
    reason,
    taskSetId = setId,
  }: { accepted?: boolean; reason?: string; taskSetId?: string } = {},
) {
  const task = await taskOf(taskSetId, seq);
  await db.prisma.report.create({
    data: {
      key: `${taskSetId}-${seq}-${period}-${unit}-${at}`,
      taskId: task.id,
      unitName: unit,
      period,
      status,
      percent,
      text,
      reason: reason ?? null,
      channel: 'email',
      receivedAt: new Date(`${at}T10:00:00+08:00`),
      accepted,
    },
  });
}

async function verdict(
  seq: string,
  v: { proposed: string; final: string; reason: string; decidedBy?: string; overridden?: boolean },
) {
  const task = await taskOf(yearId, seq);
  await db.prisma.verdict.create({
    data: {
      taskId: task.id,
      proposed: v.proposed,
      final: v.final,
      reason: v.reason,
      decidedBy: v.decidedBy ?? 'default',
      overridden: v.overridden ?? false,
      decidedAt: new Date('2023-01-17T10:00:00+08:00'),
    },
  });
  await db.prisma.task.update({ where: { id: task.id }, data: { state: '已办结' } });
}

beforeAll(async () => {
  db = await createTestDatabase('duban_report');

  // ---- the half-year set
  setId = await seedTaskSet(db.prisma, {
    units: [{ name: '区发展改革委' }, { name: '区交通局' }, { name: '区财政局' }],
    tasks: [
      { seq: 'T1', category: '预期目标', text: '地区生产总值增长5.5%左右', lead: ['区发展改革委'] },
      { seq: '1', text: '推进<b>轨道交通</b>建设', lead: ['区交通局'] },
      { seq: '2', text: '优化营商环境', lead: ['区发展改革委'] },
      { seq: '3', text: '加强财政管理', lead: ['区财政局'] },
    ],
  });
  const groups: Record<string, string> = { '1': '完善城市功能', '2': '深化改革开放', '3': '深化改革开放' };
  for (const [row, seq] of ['T1', '1', '2', '3'].entries()) {
    await db.prisma.task.updateMany({
      where: { taskSetId: setId, seq },
      data: { group: groups[seq] ?? null, sourceRow: row + 2 },
    });
  }
  await report(
    'T1',
    '区发展改革委',
    '2022-05',
    '推进中',
    45,
    '上半年地区生产总值同比增长4.1%。',
    '2022-06-20',
  );
  await report('1', '区交通局', '2022-03', '推进中', 20, '完成前期工作。', '2022-03-22');
  await report('1', '区交通局', '2022-06', '推进中', 55, '主体工程开工。', '2022-06-24');
  await report('1', '区交通局', '2022-09', '完成', 100, '全线通车。', '2022-09-23');
  await report('2', '区发展改革委', '2022-06', '滞后', 30, '政策文件尚在征求意见。', '2022-06-25', {
    reason: '涉及部门多，意见尚未统一',
  });
  await report('2', '区发展改革委', '2022-06', '完成', 100, '被退回的报告不算。', '2022-06-26', {
    accepted: false,
  });
  // 区财政局 never answered its May request: reminded, reminded again, escalated; its June one is not due yet
  const t3 = await taskOf(setId, '3');
  await db.prisma.request.createMany({
    data: [
      {
        taskId: t3.id,
        unitName: '区财政局',
        period: '2022-05',
        requestedAt: new Date('2022-05-16'),
        dueAt: new Date('2022-05-25'),
      },
      {
        taskId: t3.id,
        unitName: '区财政局',
        period: '2022-06',
        requestedAt: new Date('2022-06-15'),
        dueAt: new Date('2022-07-01'),
      },
    ],
  });
  for (const [level, day] of [
    ['reminder1', '2022-05-26'],
    ['reminder2', '2022-05-30'],
    ['escalation', '2022-06-01'],
    ['reminder1', '2022-07-04'],
  ] as const) {
    await db.prisma.escalation.create({
      data: {
        key: `${t3.id}-${level}-${day}`,
        taskId: t3.id,
        unitName: '区财政局',
        period: '2022-05',
        level,
        at: new Date(`${day}T09:00:00+08:00`),
      },
    });
  }
  await db.prisma.task.update({ where: { id: t3.id }, data: { light: 'red' } });
  // lights as they changed: 3 went red in June; 2 only in August (red now, green on 30 June)
  const t2 = await taskOf(setId, '2');
  for (const [taskId, from, to, day] of [
    [t3.id, 'green', 'yellow', '2022-05-30'],
    [t3.id, 'yellow', 'red', '2022-06-01'],
    [t2.id, 'green', 'red', '2022-08-01'],
  ] as const) {
    await db.prisma.lightChange.create({
      data: {
        key: `${taskId}-${day}`,
        taskId,
        from,
        to,
        at: new Date(`${day}T09:00:00+08:00`),
        cause: '测试',
      },
    });
  }
  await db.prisma.task.update({ where: { id: t2.id }, data: { light: 'red' } });
  const t1 = await taskOf(setId, '1');
  await db.prisma.verdict.create({
    data: {
      taskId: t1.id,
      proposed: '完成',
      final: '完成',
      reason: '最终报告：全线通车',
      decidedBy: 'default',
      decidedAt: new Date('2023-01-17'),
    },
  });

  // ---- the year-end set: every kind of ending
  yearId = await seedTaskSet(db.prisma, {
    units: [
      { name: '区发展改革委' },
      { name: '区统计局' },
      { name: '区交通局' },
      { name: '区住房城乡建委' },
      { name: '区规划自然资源局' },
    ],
    tasks: [
      {
        seq: 'T1',
        category: '预期目标',
        text: '地区生产总值增长5.5%左右',
        lead: ['区发展改革委', '区统计局'],
      },
      { seq: 'T2', category: '预期目标', text: '城镇调查失业率控制在5.5%以内', lead: ['区统计局'] },
      { seq: '1', text: '建成轨道交通27号线一期', lead: ['区交通局'] },
      { seq: '2', text: '推进城市更新项目30个。', lead: ['区住房城乡建委'] },
      { seq: '3', text: '新建停车泊位5000个', lead: ['区交通局'] },
      { seq: '4', text: '完成<script>老旧小区</script>改造', lead: ['区住房城乡建委', '区规划自然资源局'] },
      { seq: '5', text: '建成区级体育中心', lead: ['区住房城乡建委'] },
      { seq: '6', text: '启动某项已撤销的工作', lead: ['区交通局'] },
    ],
  });
  for (const [row, seq] of ['T1', 'T2', '1', '2', '3', '4', '5', '6'].entries()) {
    await db.prisma.task.updateMany({
      where: { taskSetId: yearId, seq },
      data: { group: seq.startsWith('T') ? '经济社会发展预期目标' : '完善城市功能', sourceRow: row + 2 },
    });
  }
  const y = { taskSetId: yearId };
  await report('T1', '区发展改革委', 'final', '完成', 100, '全年地区生产总值增长5.6%。', '2022-12-20', y);
  await report('T1', '区统计局', 'final', '完成', 100, '全年地区生产总值增长5.6%。', '2022-12-21', y);
  await report('T2', '区统计局', 'final', '完成', 100, '城镇调查失业率5.1%。', '2022-12-20', y);
  await report('1', '区交通局', 'final', '完成', 100, '一期建成通车。', '2022-12-20', y);
  await report('2', '区住房城乡建委', '2022-11', '推进中', 70, '已完成21个。', '2022-11-20', y);
  await report('2', '区住房城乡建委', 'final', '部分完成', 80, '已完成24个，其余6个在建。', '2022-12-20', {
    ...y,
    reason: '受疫情影响，部分项目顺延至明年一季度。',
  });
  await report('3', '区交通局', '2022-11', '推进中', 60, '已建成3000个。', '2022-11-20', y);
  await report('4', '区住房城乡建委', 'final', '部分完成', 70, '完成改造40个小区。', '2022-12-20', {
    ...y,
    reason: '居民意见不一，部分小区暂缓',
  });
  await report('4', '区规划自然资源局', 'final', '部分完成', 75, '完成规划审批。', '2022-12-21', {
    ...y,
    reason: '用地手续尚在办理',
  });
  await report('5', '区住房城乡建委', 'final', '完成', 100, '主体完工。', '2022-12-20', y);
  await verdict('T1', {
    proposed: '完成',
    final: '完成',
    reason: '评定期满，督查室未改定，按建议评定：最终报告：完成',
  });
  await verdict('T2', {
    proposed: '完成',
    final: '完成',
    reason: '评定期满，督查室未改定，按建议评定：最终报告：完成',
  });
  await verdict('1', {
    proposed: '完成',
    final: '完成',
    reason: '督查室确认（李四）：最终报告：完成',
    decidedBy: 'office',
  });
  await verdict('2', {
    proposed: '部分完成',
    final: '部分完成',
    reason:
      '评定期满，督查室未改定，按建议评定：最终报告：部分完成（进度 80%）；单位说明：受疫情影响，部分项目顺延至明年一季度。',
  });
  await verdict('3', {
    proposed: '未完成',
    final: '未完成',
    reason: '评定期满，督查室未改定，按建议评定：未在期限内提交最终报告',
  });
  await verdict('4', {
    proposed: '部分完成',
    final: '部分完成',
    reason: '评定期满，督查室未改定，按建议评定：区住房城乡建委：…；区规划自然资源局：…',
  });
  await verdict('5', {
    proposed: '完成',
    final: '未完成',
    reason: '督查室改定（张三）：现场核查未通过竣工验收',
    decidedBy: 'office',
    overridden: true,
  });
  const t6 = await taskOf(yearId, '6');
  await db.prisma.task.update({ where: { id: t6.id }, data: { state: '已撤销' } });
}, 60_000);
afterAll(async () => db?.drop());

describe('office reports', () => {
  it('counts in Chinese ordinals, past a hundred', () => {
    expect([1, 2, 10, 11, 20, 23, 100, 101, 110, 115, 141].map(chineseOrdinal)).toEqual([
      '一',
      '二',
      '十',
      '十一',
      '二十',
      '二十三',
      '一百',
      '一百零一',
      '一百一十',
      '一百一十五',
      '一百四十一',
    ]);
  });

  it('half-year: the latest accepted report before 30 June, themes in order, what needs attention, the late units named', async () => {
    const rep = (await buildReport(db.prisma, setId, 'midyear'))!;
    expect(rep.asOf).toBe('2022-06-30');
    const row1 = rep.rows.find((r) => r.seq === '1')!;
    expect(row1).toMatchObject({
      status: '推进中',
      percent: 55,
      lastReport: '主体工程开工。',
      reportedAt: '2022-06-24',
      verdict: null,
    });
    expect(rep.rows.find((r) => r.seq === '2')).toMatchObject({
      status: '滞后',
      percent: 30,
      light: 'green',
    });
    expect(rep.rows.find((r) => r.seq === '3')).toMatchObject({ light: 'red', overdue: 1 });
    expect(rep.byStatus).toEqual({ 推进中: 2, 滞后: 1, 未报送: 1 });
    // the June request is due after the cut-off, the July reminder is after it: neither counts
    expect(rep.lateUnits).toEqual([{ unit: '区财政局', unreported: 1, reminders: 2, escalations: 1 }]);
    const md = renderMarkdown(rep);
    expect(md).toContain('——2022年上半年完成情况');
    expect(md).toContain(
      '截至2022年6月30日，4项目标任务（预期目标1项、重点工作任务3项）中，2项正常推进，1项进度滞后，1项尚未报送进展。具体情况如下：',
    );
    expect(md).toMatch(
      /## 一、主要预期目标\n\n地区生产总值增长5.5%左右：上半年地区生产总值同比增长4.1%（推进中，进度 45%）。/,
    );
    expect(md).toContain('一是完善城市功能。推进<b>轨道交通</b>建设：主体工程开工（推进中，进度 55%）。');
    expect(md).toContain(
      '二是深化改革开放。优化营商环境：政策文件尚在征求意见（滞后，进度 30%）；加强财政管理：尚未报送进展（未报送）。',
    );
    expect(md).toContain(
      '## 三、需关注事项\n\n（一）优化营商环境：滞后，进度 30%，涉及部门多，意见尚未统一。牵头单位：区发展改革委。（第2项）\n\n（二）加强财政管理：未报送，逾期未报 1 期，已亮红灯。牵头单位：区财政局。（第3项）',
    );
    expect(md).toContain('从报送情况看，区财政局（逾期未报 1 期、催办 2 次、督办 1 次）未按期报送进展。');
    expect(md).toContain('| 序号 | 目标任务 | 牵头单位 | 工作推进情况 | 进展状态 | 备注 |');
    expect(md).toContain('| 2 | 优化营商环境 | 区发展改革委 | 政策文件尚在征求意见。 | 滞后，进度 30% |  |');
    expect(md).toContain(
      '| 3 | 加强财政管理 | 区财政局 | 尚未报送进展 | 未报送 | 红灯；逾期未报 1 期、催办 2 次、督办 1 次 |',
    );
    expect(md).not.toContain('被退回的报告不算');
  });

  it('year-end, as published: the count by category, numbered reasons with （第N项）, the table', async () => {
    const rep = (await buildReport(db.prisma, yearId, 'final'))!;
    expect(rep.verdicts).toEqual({ 完成: 3, 部分完成: 2, 未完成: 2 });
    expect(rep.headline).toBe(
      '全年8项目标任务（预期目标2项、重点工作任务6项）中，预期目标全部完成年度目标任务；重点工作任务中1项完成年度目标任务，2项部分完成年度目标任务，2项未完成年度目标任务，1项已撤销。',
    );
    // the unit's own words; two units' different reasons each named; the workflow's proposal when
    // no unit gave one; the office's reason when it overrode the proposal
    expect(rep.partial.map((s) => s.text)).toEqual([
      '（一）推进城市更新项目30个。受疫情影响，部分项目顺延至明年一季度。（第2项）',
      '（二）完成<script>老旧小区</script>改造。区住房城乡建委：居民意见不一，部分小区暂缓；区规划自然资源局：用地手续尚在办理。（第4项）',
    ]);
    expect(rep.unfinished.map((s) => s.text)).toEqual([
      '（一）新建停车泊位5000个。未在期限内提交最终报告。（第3项）',
      '（二）建成区级体育中心。督查室改定（张三）：现场核查未通过竣工验收。（第5项）',
    ]);
    const md = renderMarkdown(rep);
    const sections = md.split('\n').filter((l) => l.startsWith('## '));
    expect(sections).toEqual([
      '## 一、总体完成情况',
      '## 二、部分完成年度目标任务情况',
      '## 三、未完成年度目标任务情况',
      '## 附表\u30002022年目标任务完成情况表',
    ]);
    expect(md).toContain(`${rep.headline}\n\n## 一、总体完成情况`);
    expect(md).toContain('一是经济社会发展预期目标。共2项，全部完成年度目标任务。');
    expect(md).toContain('二是完善城市功能。共6项，完成1项、部分完成2项、未完成2项、已撤销1项。');
    expect(md).toContain('## 二、部分完成年度目标任务情况\n\n（一）推进城市更新项目30个。');
    expect(md).toContain('### （一）预期目标（2项）');
    expect(md).toContain('### （二）重点工作任务（6项）');
    expect(md).toContain('| 序号 | 目标任务 | 牵头单位 | 工作推进情况 | 效果评估 | 备注 |');
    expect(md).toContain(
      '| 2 | 推进城市更新项目30个。 | 区住房城乡建委 | 已完成24个，其余6个在建。 | 部分完成 | 评定期满，督查室未改定，按建议评定：最终报告：部分完成（进度 80%）；单位说明：受疫情影响，部分项目顺延至明年一季度。 |',
    );
    // two lead units with the same words are said once; with different words, each named
    expect(md).toContain(
      '| T1 | 地区生产总值增长5.5%左右 | 区发展改革委、区统计局 | 全年地区生产总值增长5.6%。 | 完成 |',
    );
    expect(md).toContain(
      '| 4 | 完成<script>老旧小区</script>改造 | 区住房城乡建委、区规划自然资源局 | 区住房城乡建委：完成改造40个小区；区规划自然资源局：完成规划审批 | 部分完成 |',
    );
    expect(md).toContain('| 3 | 新建停车泊位5000个 | 区交通局 | 已建成3000个。 | 未完成 |');
    expect(md).toContain('| 6 | 启动某项已撤销的工作 | 区交通局 | 尚未报送进展 | 已撤销 | 任务已撤销 |');
  });

  it('year-end with everything completed: "全部完成", and no 未完成 section', async () => {
    const rep = (await buildReport(db.prisma, setId, 'final'))!;
    // the half-year set: one verdict, three tasks still open
    expect(rep.headline).toBe(
      '全年4项目标任务（预期目标1项、重点工作任务3项）中，预期目标中1项尚待评定；重点工作任务中1项完成年度目标任务，2项尚待评定。',
    );
    const md = renderMarkdown(rep);
    expect(md).toContain('## 二、部分完成年度目标任务情况\n\n无。');
    expect(md).not.toContain('未完成年度目标任务情况');
    expect(md).toContain(
      '全年共催办 3 次、督办 1 次。从报送情况看，区财政局（逾期未报 2 期、催办 3 次、督办 1 次）未按期报送进展。',
    );
    expect(rep.rows.find((r) => r.seq === '1')).toMatchObject({
      status: '完成',
      verdict: '完成',
      reason: '最终报告：全线通车',
    });
  });

  it('HTML: escaped, printable on A4, no scripts', async () => {
    const rep = (await buildReport(db.prisma, yearId, 'final'))!;
    const html = renderHtml(rep);
    expect(html).not.toContain('<script>');
    expect(html).toContain('完成&lt;script&gt;老旧小区&lt;/script&gt;改造');
    expect(html).toMatch(/@page\{size:A4/);
    expect(html).toContain('thead{display:table-header-group}');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toContain('<h2>二、部分完成年度目标任务情况</h2>');
    expect(html).toContain(
      '<p>（二）建成区级体育中心。督查室改定（张三）：现场核查未通过竣工验收。（第5项）</p>',
    );
    expect(html).toContain(
      '<thead><tr><th>序号</th><th>目标任务</th><th>牵头单位</th><th>工作推进情况</th><th>效果评估</th><th>备注</th></tr></thead>',
    );
    const midyear = renderHtml((await buildReport(db.prisma, setId, 'midyear'))!);
    expect(midyear).toContain('推进&lt;b&gt;轨道交通&lt;/b&gt;建设');
    expect(midyear).not.toContain('<b>轨道交通');
  });

  it('XLSX: the title above a frozen, filtered header, widths and wrapping; the text on a second sheet', async () => {
    const rep = (await buildReport(db.prisma, yearId, 'final'))!;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(rep)) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('全年完成情况');
    expect(ws.getCell('A1').value).toBe(rep.title);
    expect(ws.getCell('A2').value).toBe(rep.headline);
    expect(ws.getCell('A1').isMerged && ws.getCell('H1').isMerged).toBe(true);
    const header = (ws.getRow(3).values as unknown[]).slice(1, 9);
    expect(header).toEqual([
      '序号',
      '类别',
      '分组',
      '目标任务',
      '牵头单位',
      '工作推进情况',
      '效果评估',
      '备注',
    ]);
    expect(ws.getRow(3).values).toContain('评定');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.getColumn(4).width).toBeGreaterThanOrEqual(30);
    expect(ws.getColumn(6).width).toBeGreaterThanOrEqual(30);
    expect(ws.getCell('F4').alignment).toMatchObject({ wrapText: true });
    const seqs = ws
      .getSheetValues()
      .slice(4)
      .map((r) => (r as unknown[])[1]);
    expect(seqs).toEqual(['T1', 'T2', '1', '2', '3', '4', '5', '6']);
    const row2 = ws.getRow(7);
    expect([row2.getCell(1).value, row2.getCell(7).value]).toEqual(['2', '部分完成']);
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape' });
    const text = wb.worksheets[1]!;
    expect(text.name).toBe('通报正文');
    const lines = text.getSheetValues().map((r) => String((r as unknown[] | undefined)?.[1] ?? ''));
    expect(lines).toContain('二、部分完成年度目标任务情况');
    expect(lines).toContain(`\u3000\u3000${rep.partial[0]!.text}`);
  });

  it('the CLI writes each format, keeps its JSON keys, and refuses bad input with exit code 2', async () => {
    const env = { DATABASE_URL: db.url, TOKEN_SECRET: 'r'.repeat(40) };
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-report-'));
    const out = path.join(dir, 'mid.xlsx');
    const md = path.join(dir, 'final.md');
    // independent runs, two at a time
    const [ok, final, written, ...bad] = await dubanEach(
      [
        ['report', setId, '--kind', 'midyear', '--format', 'xlsx', '--out', out, '--json'],
        ['report', yearId, '--kind', 'final', '--json'],
        ['report', yearId, '--kind', 'final', '--format', 'md', '--out', md],
        ['report', setId, '--kind', 'weekly'],
        ['report', 'no-such-set'],
        ['report', setId, '--format', 'pdf'],
      ],
      (args) => duban(args, { env }),
    );
    expect(ok!.code, ok!.stderr).toBe(0);
    expect(JSON.parse(ok!.stdout)).toMatchObject({
      out,
      tasks: 4,
      byStatus: { 推进中: 2, 滞后: 1, 未报送: 1 },
    });
    const json = JSON.parse(final!.stdout);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'taskSetId',
        'name',
        'year',
        'kind',
        'title',
        'asOf',
        'tasks',
        'byStatus',
        'verdicts',
        'rows',
      ]),
    );
    expect(json.rows).toHaveLength(8);
    expect(Object.keys(json.rows[0])).toEqual(
      expect.arrayContaining([
        'seq',
        'category',
        'group',
        'task',
        'leadUnits',
        'status',
        'percent',
        'lastReport',
        'reportedAt',
        'light',
        'verdict',
        'reason',
      ]),
    );
    expect(json.partial.map((s: { seq: string }) => s.seq)).toEqual(['2', '4']);
    expect(written!.code, written!.stderr).toBe(0);
    expect(readFileSync(md, 'utf8')).toContain('（一）新建停车泊位5000个。');
    for (const err of bad) {
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(/错误：/);
    }
  });
});
