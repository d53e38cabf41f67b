// The report in the formats the office publishes or works in: Markdown (to
// edit into the published text), HTML (to print), XLSX (to sort and annotate),
// JSON (for other tools). Every piece of user text is escaped in HTML.
import ExcelJS from 'exceljs';
import { escapeHtml } from '../../lib/html.ts';
import { chineseOrdinal, needsAttention, themes, type OfficeReport, type ReportRow } from './build.ts';

const chineseDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

const progressOf = (r: ReportRow) =>
  r.status === null ? '未报送' : `${r.status}${r.percent !== null ? `，进度 ${r.percent}%` : ''}`;

function summaryLine(rep: OfficeReport): string {
  const parts = Object.entries(rep.byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v} 项`);
  const verdicts =
    rep.kind === 'final'
      ? `；评定：完成 ${rep.verdicts['完成'] ?? 0} 项，部分完成 ${rep.verdicts['部分完成'] ?? 0} 项，未完成 ${rep.verdicts['未完成'] ?? 0} 项`
      : '';
  return `截至${chineseDate(rep.asOf)}，共 ${rep.tasks} 项任务：${parts.join('，')}${verdicts}。`;
}

/** "地区生产总值增长5.5%左右：已完成方案编制（推进中，进度 20%）" */
const sentence = (r: ReportRow) =>
  `${r.task.replace(/[。；;]$/, '')}：${r.lastReport ? r.lastReport.replace(/\s+/g, ' ').replace(/[。；;]?$/, '') : '尚未报送进展'}（${progressOf(r)}${r.verdict ? `；评定${r.verdict}` : ''}）`;

export function renderMarkdown(rep: OfficeReport): string {
  const targets = rep.rows.filter((r) => r.category === '预期目标');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`# ${rep.title}`, '', summaryLine(rep), ''];
  if (targets.length) {
    lines.push(
      '## 一、主要预期目标',
      '',
      `| 序号 | 目标 | 牵头单位 | 进展 | 状态${rep.kind === 'final' ? ' | 评定' : ''} |`,
      `| --- | --- | --- | --- | ---${rep.kind === 'final' ? ' | ---' : ''} |`,
    );
    for (const r of targets) {
      lines.push(
        `| ${cell(r.seq)} | ${cell(r.task)} | ${cell(r.leadUnits.join('、'))} | ${cell(r.lastReport ?? '尚未报送')} | ${progressOf(r)}${rep.kind === 'final' ? ` | ${r.verdict ?? '待评定'}` : ''} |`,
      );
    }
    lines.push('');
  }
  lines.push(`## ${targets.length ? '二' : '一'}、重点工作完成情况`, '');
  themes(rep.rows).forEach((g, i) => {
    lines.push(
      `${chineseOrdinal(i + 1)}是${g.group.replace(/[。]$/, '')}。${g.rows.map(sentence).join('；')}。`,
      '',
    );
  });
  const attention = rep.rows.filter(needsAttention);
  lines.push(`## ${targets.length ? '三' : '二'}、需关注事项`, '');
  if (!attention.length) lines.push('无滞后、受阻或未报送的任务。');
  for (const r of attention)
    lines.push(
      `- 第 ${r.seq} 项 ${r.task}（牵头：${r.leadUnits.join('、') || '无'}）：${progressOf(r)}${r.reason ? `；${r.reason}` : ''}`,
    );
  lines.push('');
  return lines.join('\n');
}

export function renderHtml(rep: OfficeReport): string {
  const e = escapeHtml;
  const targets = rep.rows.filter((r) => r.category === '预期目标');
  const final = rep.kind === 'final';
  const table = (rows: ReportRow[]) =>
    `<table><tr><th>序号</th><th>任务</th><th>牵头单位</th><th>最近报告</th><th>状态</th>${final ? '<th>评定</th><th>理由</th>' : ''}</tr>${rows
      .map(
        (r) =>
          `<tr><td>${e(r.seq)}</td><td>${e(r.task)}</td><td>${e(r.leadUnits.join('、'))}</td><td>${e(r.lastReport ?? '尚未报送')}</td><td>${e(progressOf(r))}</td>${final ? `<td>${e(r.verdict ?? '待评定')}</td><td>${e(r.reason ?? '')}</td>` : ''}</tr>`,
      )
      .join('')}</table>`;
  const body = [
    `<h1>${e(rep.title)}</h1>`,
    `<p>${e(summaryLine(rep))}</p>`,
    targets.length ? `<h2>一、主要预期目标</h2>${table(targets)}` : '',
    `<h2>${targets.length ? '二' : '一'}、重点工作完成情况</h2>`,
    ...themes(rep.rows).map(
      (g, i) =>
        `<p>${e(`${chineseOrdinal(i + 1)}是${g.group.replace(/[。]$/, '')}。${g.rows.map(sentence).join('；')}。`)}</p>`,
    ),
    `<h2>${targets.length ? '三' : '二'}、需关注事项</h2>`,
    table(rep.rows.filter(needsAttention)),
  ].join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${e(rep.title)}</title>
<style>body{font-family:"FangSong","仿宋","Noto Serif CJK SC",serif;max-width:960px;margin:24px auto;line-height:1.8}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:4px 6px;font-size:14px;vertical-align:top}
p{text-indent:2em}</style></head><body>${body}</body></html>\n`;
}

export async function renderXlsx(rep: OfficeReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '督办 Duban';
  const ws = wb.addWorksheet(rep.kind === 'midyear' ? '半年完成情况' : '全年完成情况');
  ws.addRow([rep.title]);
  ws.addRow([summaryLine(rep)]);
  const header = [
    '序号',
    '类别',
    '分组',
    '工作任务',
    '牵头单位',
    '状态',
    '进度(%)',
    '最近报告',
    '报告日期',
    '亮灯',
    ...(rep.kind === 'final' ? ['评定', '评定理由'] : []),
  ];
  const h = ws.addRow(header);
  h.font = { bold: true };
  const light: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };
  for (const r of rep.rows) {
    ws.addRow([
      r.seq,
      r.category,
      r.group ?? '',
      r.task,
      r.leadUnits.join('、'),
      r.status ?? '未报送',
      r.percent ?? '',
      r.lastReport ?? '',
      r.reportedAt ?? '',
      light[r.light] ?? r.light,
      ...(rep.kind === 'final' ? [r.verdict ?? '待评定', r.reason ?? ''] : []),
    ]);
  }
  ws.columns.forEach((c, i) => (c.width = [8, 10, 20, 50, 24, 10, 8, 60, 12, 8, 10, 40][i] ?? 12));
  ws.views = [{ state: 'frozen', ySplit: 3 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
