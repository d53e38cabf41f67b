// The office's reports from a real PostgreSQL read model: half-year with the
// latest report before the cut-off, themes as "一是…二是…", what needs
// attention; the year-end report with verdicts; HTML escaped; XLSX readable;
// the CLI's exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { buildReport, chineseOrdinal } from '../../client/report/build.ts';
import { renderHtml, renderMarkdown, renderXlsx } from '../../client/report/render.ts';

const run = promisify(execFile);
let db: TestDatabase;
let setId: string;

async function report(
  seq: string,
  unit: string,
  period: string,
  status: string,
  percent: number | null,
  text: string,
  at: string,
  accepted = true,
) {
  const task = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: setId, seq } });
  await db.prisma.report.create({
    data: {
      key: `${seq}-${period}-${unit}-${at}`,
      taskId: task.id,
      unitName: unit,
      period,
      status,
      percent,
      text,
      channel: 'email',
      receivedAt: new Date(`${at}T10:00:00+08:00`),
      accepted,
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase('duban_report');
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
  await report('2', '区发展改革委', '2022-06', '滞后', 30, '政策文件尚在征求意见。', '2022-06-25');
  await report('2', '区发展改革委', '2022-06', '完成', 100, '被退回的报告不算。', '2022-06-26', false);
  const t1 = await db.prisma.task.findFirstOrThrow({ where: { taskSetId: setId, seq: '1' } });
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
}, 60_000);
afterAll(async () => db?.drop());

describe('office reports', () => {
  it('counts in Chinese ordinals', () => {
    expect([1, 2, 10, 11, 20, 23].map(chineseOrdinal)).toEqual(['一', '二', '十', '十一', '二十', '二十三']);
  });

  it('half-year: the latest accepted report before 30 June, themes in order, and what needs attention', async () => {
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
    expect(rep.rows.find((r) => r.seq === '2')).toMatchObject({ status: '滞后', percent: 30 });
    expect(rep.byStatus).toEqual({ 推进中: 2, 滞后: 1, 未报送: 1 });
    const md = renderMarkdown(rep);
    expect(md).toContain('——2022年上半年完成情况');
    expect(md).toContain('截至2022年6月30日，共 4 项任务');
    expect(md).toMatch(
      /## 一、主要预期目标[\s\S]*地区生产总值增长5.5%左右[\s\S]*上半年地区生产总值同比增长4.1%/,
    );
    expect(md).toContain('一是完善城市功能。推进<b>轨道交通</b>建设：主体工程开工（推进中，进度 55%）。');
    expect(md).toContain(
      '二是深化改革开放。优化营商环境：政策文件尚在征求意见（滞后，进度 30%）；加强财政管理：尚未报送进展（未报送）。',
    );
    expect(md).toMatch(/## 三、需关注事项[\s\S]*第 2 项 优化营商环境[\s\S]*第 3 项 加强财政管理/);
    expect(md).not.toContain('被退回的报告不算');
  });

  it('year-end: verdicts and counts', async () => {
    const rep = (await buildReport(db.prisma, setId, 'final'))!;
    expect(rep.rows.find((r) => r.seq === '1')).toMatchObject({
      status: '完成',
      verdict: '完成',
      reason: '最终报告：全线通车',
    });
    expect(rep.verdicts).toEqual({ 完成: 1, 部分完成: 0, 未完成: 0 });
    expect(renderMarkdown(rep)).toContain('评定：完成 1 项，部分完成 0 项，未完成 0 项');
  });

  it('escapes task text in HTML and writes a readable workbook', async () => {
    const rep = (await buildReport(db.prisma, setId, 'final'))!;
    const html = renderHtml(rep);
    expect(html).not.toContain('<b>轨道交通</b>');
    expect(html).toContain('&lt;b&gt;轨道交通&lt;/b&gt;');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(rep)) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('全年完成情况');
    expect(ws.getRow(3).values).toContain('评定');
    const rows = ws
      .getSheetValues()
      .slice(4)
      .map((r) => (r as unknown[])[1]);
    expect(rows).toEqual(['T1', '1', '2', '3']);
  });

  it('the CLI writes the file, and refuses bad input with exit code 2', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, TOKEN_SECRET: 'r'.repeat(40) };
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'duban-report-')), 'mid.xlsx');
    const ok = await run(
      'node',
      ['bin/duban.js', 'report', setId, '--kind', 'midyear', '--format', 'xlsx', '--out', out, '--json'],
      { env },
    );
    expect(JSON.parse(ok.stdout)).toMatchObject({
      out,
      tasks: 4,
      byStatus: { 推进中: 2, 滞后: 1, 未报送: 1 },
    });
    const json = await run('node', ['bin/duban.js', 'report', setId, '--kind', 'final', '--json'], { env });
    expect(JSON.parse(json.stdout).rows).toHaveLength(4);
    for (const bad of [
      ['report', setId, '--kind', 'weekly'],
      ['report', 'no-such-set'],
      ['report', setId, '--format', 'pdf'],
    ]) {
      const err = (await run('node', ['bin/duban.js', ...bad], { env }).catch((e) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(/错误：/);
    }
  });
});
