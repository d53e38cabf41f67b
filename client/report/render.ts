// The report in the formats the office publishes or works in: Markdown (to
// edit into the published text), HTML (to print on A4), XLSX (to sort and
// annotate: the table with column widths, wrapping and a frozen header, and
// the text on a second sheet), JSON (for other tools: the OfficeReport as
// built). The layout is document.ts's; every piece of user text is escaped in
// HTML.
import { html, raw, type Raw } from '../../lib/html.ts';
import type { OfficeReport } from './build.ts';
import { composeReport, type Block } from './document.ts';

export type ReportFormat = 'md' | 'html' | 'xlsx' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'xlsx', 'json'];

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function renderMarkdown(rep: OfficeReport): string {
  const doc = composeReport(rep);
  const lines = [`# ${doc.title}`, ''];
  for (const b of doc.blocks) {
    if (b.type === 'heading') lines.push(`## ${b.text}`, '');
    else if (b.type === 'subheading') lines.push(`### ${b.text}`, '');
    else if (b.type === 'paragraph') lines.push(b.text, '');
    else {
      lines.push(
        `| ${b.columns.map((c) => c.title).join(' | ')} |`,
        `| ${b.columns.map(() => '---').join(' | ')} |`,
        ...b.rows.map((cells) => `| ${cells.map(mdCell).join(' | ')} |`),
        '',
      );
    }
  }
  return lines.join('\n');
}

function htmlBlock(b: Block): Raw {
  switch (b.type) {
    case 'heading':
      return html`<h2>${b.text}</h2>`;
    case 'subheading':
      return html`<h3>${b.text}</h3>`;
    case 'paragraph':
      return html`<p>${b.text}</p>`;
    case 'table': {
      const total = b.columns.reduce((n, c) => n + c.width, 0);
      const cols = b.columns.map((c) => html`<col style="width:${((100 * c.width) / total).toFixed(1)}%">`);
      return html`<table><colgroup>${cols}</colgroup><thead><tr>${b.columns.map((c) => html`<th>${c.title}</th>`)}</tr></thead><tbody>${b.rows.map(
        (cells) => html`<tr>${cells.map((c) => html`<td>${c}</td>`)}</tr>`,
      )}</tbody></table>`;
    }
  }
}

// 公文 conventions, loosely: A4, 仿宋 body with a 2-character indent, the title
// centred; the tables smaller, their header repeated on every printed page and
// no row split across pages. The file stands alone (no scripts, no external
// resources), so its own CSP allows nothing but this inline style.
const STYLE = `@page{size:A4;margin:25mm 20mm 22mm}
body{font-family:"FangSong","仿宋","Noto Serif CJK SC","Noto Sans CJK SC",serif;font-size:15px;line-height:1.8;max-width:210mm;margin:24px auto;padding:0 12px;color:#000}
h1{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-size:22px;text-align:center;margin:0 0 1em}
h2{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-size:16px;margin:1.2em 0 .4em}
h3{font-size:15px;margin:1em 0 .3em}
p{text-indent:2em;margin:.3em 0;text-align:justify}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.5em 0 1em}
th,td{border:1px solid #000;padding:3px 5px;font-size:12px;line-height:1.5;vertical-align:top;word-break:break-word;overflow-wrap:anywhere}
th{background:#eee;text-align:center}
@media print{body{margin:0;max-width:none;padding:0;font-size:12pt}h1{font-size:18pt}h2{font-size:14pt;break-after:avoid}h3{break-after:avoid}th,td{font-size:9pt}thead{display:table-header-group}tr{break-inside:avoid}th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}`;

export function renderHtml(rep: OfficeReport): string {
  const doc = composeReport(rep);
  return html`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${doc.title}</title>
<style>${raw(STYLE)}</style></head><body>
<h1>${doc.title}</h1>
${doc.blocks.map((b) => raw(htmlBlock(b).html + '\n'))}</body></html>
`.html;
}

const LIGHT: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };

/**
 * Sheet 1: the title and the opening sentence above the table (the published
 * columns first, then the working ones to sort and filter by), the header
 * frozen and repeated on printed pages, long cells wrapped. Sheet 2: the text.
 */
export async function renderXlsx(rep: OfficeReport): Promise<Buffer> {
  const doc = composeReport(rep);
  const final = rep.kind === 'final';
  // exceljs (~0.4 s of CPU to load) only here: a report in another format,
  // and every other command, start without it
  const { Workbook } = (await import('exceljs')).default;
  const wb = new Workbook();
  wb.creator = '督办 Duban';
  wb.title = rep.title;
  const ws = wb.addWorksheet(final ? '全年完成情况' : '半年完成情况', {
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '3:3',
    },
  });
  const columns = [
    { header: '序号', width: 7 },
    { header: '类别', width: 10 },
    { header: '分组', width: 18 },
    { header: '目标任务', width: 40 },
    { header: '牵头单位', width: 18 },
    { header: '工作推进情况', width: 44 },
    { header: final ? '效果评估' : '进展状态', width: 14 },
    { header: '备注', width: 36 },
    { header: '状态', width: 9 },
    { header: '进度(%)', width: 8 },
    { header: '报告日期', width: 12 },
    { header: '亮灯', width: 7 },
    { header: '催办', width: 6 },
    { header: '督办', width: 6 },
    ...(final ? [{ header: '评定', width: 10 }] : []),
  ];
  ws.columns = columns.map((c) => ({ width: c.width }));
  const last = columns.length;
  const totalWidth = columns.reduce((n, c) => n + c.width, 0);

  const title = ws.addRow([rep.title]);
  ws.mergeCells(1, 1, 1, last);
  title.font = { bold: true, size: 16 };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  title.height = 28;
  const headline = ws.addRow([rep.headline]);
  ws.mergeCells(2, 1, 2, last);
  headline.alignment = { wrapText: true, vertical: 'top' };
  // a merged cell does not grow with its text: about two width units per Chinese character
  headline.height = 16 * Math.max(1, Math.ceil((rep.headline.length * 2) / totalWidth));

  const header = ws.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
  });
  for (const r of rep.rows) {
    const row = ws.addRow([
      r.seq,
      r.category,
      r.group ?? '',
      r.task,
      r.leadUnits.join('、'),
      r.progressText,
      r.assessment,
      r.remark,
      r.status ?? '未报送',
      r.percent ?? '',
      r.reportedAt ?? '',
      LIGHT[r.light] ?? r.light,
      r.reminders,
      r.escalations,
      ...(final ? [r.verdict ?? (r.state === '已撤销' ? '已撤销' : '待评定')] : []),
    ]);
    row.alignment = { wrapText: true, vertical: 'top' };
  }
  const thin = { style: 'thin' as const };
  for (let i = 3; i <= ws.rowCount; i++)
    ws.getRow(i).eachCell({ includeEmpty: true }, (cell) => {
      cell.border = { top: thin, left: thin, bottom: thin, right: thin };
    });
  ws.views = [{ state: 'frozen', ySplit: 3, xSplit: 0 }];
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3 + rep.rows.length, column: last } };

  const text = wb.addWorksheet('通报正文', { pageSetup: { paperSize: 9, orientation: 'portrait' } });
  text.columns = [{ width: 100 }];
  const titleRow = text.addRow([doc.title]);
  titleRow.font = { bold: true, size: 16 };
  titleRow.alignment = { horizontal: 'center' };
  for (const b of doc.blocks) {
    if (b.type === 'table') continue;
    const row = text.addRow([b.type === 'paragraph' ? `\u3000\u3000${b.text}` : b.text]);
    row.alignment = { wrapText: true, vertical: 'top' };
    if (b.type !== 'paragraph') row.font = { bold: true };
    else row.height = 18 * Math.max(1, Math.ceil((b.text.length * 2 + 4) / 100));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The report as the bytes of a file in the given format. */
export async function renderReport(rep: OfficeReport, format: ReportFormat): Promise<string | Buffer> {
  switch (format) {
    case 'md':
      return renderMarkdown(rep);
    case 'html':
      return renderHtml(rep);
    case 'xlsx':
      return renderXlsx(rep);
    case 'json':
      return JSON.stringify(rep, null, 2) + '\n';
  }
}

/** The format a file name asks for (report.md, 年终.HTML, …), or null. */
export function formatOfFile(file: string): ReportFormat | null {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  if (ext === 'markdown') return 'md';
  if (ext === 'htm') return 'html';
  return REPORT_FORMATS.find((f) => f === ext) ?? null;
}
