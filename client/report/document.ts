// The report laid out once, as headings, paragraphs and tables, in the order
// an office publishes it; render.ts writes this layout as Markdown, HTML and
// the text sheet of the XLSX, so every format says the same thing.
//
// Year-end (完成情况通报):
//   opening count · 一、总体完成情况 (by theme, 催办/督办) ·
//   二、部分完成年度目标任务情况 （一）…（第N项） · 三、未完成年度目标任务情况 (when any) ·
//   附表 目标任务 | 牵头单位 | 工作推进情况 | 效果评估 | 备注
// Half-year (半年完成情况):
//   opening count · 一、主要预期目标 · 二、重点工作完成情况 (一是…二是…) ·
//   三、需关注事项 (numbered, the late units named) · 附表
import { allThemes, themes, type LateUnit, type OfficeReport, type ReportRow } from './build.ts';
import { categoryLabel, chineseOrdinal, clause, ladderPhrase, progressPhrase } from './text.ts';

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'subheading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'table'; columns: Column[]; rows: string[][] };

export interface Column {
  title: string;
  /** width in XLSX character units; HTML takes its share of the page from it */
  width: number;
}

export interface ReportDocument {
  title: string;
  blocks: Block[];
}

/** The published table's columns. */
export function tableColumns(rep: OfficeReport): Column[] {
  return [
    { title: '序号', width: 7 },
    { title: '目标任务', width: 36 },
    { title: '牵头单位', width: 16 },
    { title: '工作推进情况', width: 40 },
    { title: rep.kind === 'final' ? '效果评估' : '进展状态', width: 12 },
    { title: '备注', width: 32 },
  ];
}

export const tableCells = (r: ReportRow): string[] => [
  r.seq,
  r.task,
  r.leadUnits.join('、'),
  r.progressText,
  r.assessment,
  r.remark,
];

/** "地区生产总值增长5.5%左右：已完成方案编制（推进中，进度 20%）" */
const sentence = (r: ReportRow) =>
  `${clause(r.task)}：${r.lastReport ? clause(r.lastReport) : '尚未报送进展'}（${progressPhrase(r.status, r.percent)}${r.verdict ? `；评定${r.verdict}` : ''}）`;

/** "区交通局（催办 2 次、督办 1 次）、区财政局（逾期未报 1 期）" */
const lateUnitList = (units: LateUnit[]) =>
  units.map((u) => `${u.unit}（${ladderPhrase(u.reminders, u.escalations, u.unreported)}）`).join('、');

function lateParagraph(rep: OfficeReport): string | null {
  if (rep.lateUnits.length) {
    const lead =
      rep.kind === 'final'
        ? `全年共催办 ${rep.reminders} 次、督办 ${rep.escalations} 次。从报送情况看，`
        : '从报送情况看，';
    return `${lead}${lateUnitList(rep.lateUnits)}未按期报送进展。`;
  }
  if (rep.requestsDue > 0) return '各责任单位均按期报送进展，未发生催办、督办。';
  return null;
}

/** "共10项，完成8项、部分完成1项、未完成1项" · "共12项，全部完成" */
function themeCounts(rows: ReportRow[]): string {
  const count = (word: string) => rows.filter((r) => r.assessment === word).length;
  if (count('完成') === rows.length) return `共${rows.length}项，全部完成年度目标任务`;
  const parts = ['完成', '部分完成', '未完成', '待评定', '已撤销']
    .filter((w) => count(w) > 0)
    .map((w) => (w === '待评定' ? `尚待评定${count(w)}项` : `${w}${count(w)}项`));
  return `共${rows.length}项，${parts.join('、')}`;
}

function appendix(rep: OfficeReport): Block[] {
  const blocks: Block[] = [
    {
      type: 'heading',
      text: `附表\u3000${rep.year}年目标任务${rep.kind === 'final' ? '完成情况' : '上半年推进情况'}表`,
    },
  ];
  const categories = rep.byCategory.filter((c) => c.tasks > 0);
  categories.forEach((c, i) => {
    if (categories.length > 1)
      blocks.push({
        type: 'subheading',
        text: `（${chineseOrdinal(i + 1)}）${categoryLabel(c.category)}（${c.tasks}项）`,
      });
    blocks.push({
      type: 'table',
      columns: tableColumns(rep),
      rows: rep.rows.filter((r) => r.category === c.category).map(tableCells),
    });
  });
  return blocks;
}

export function composeReport(rep: OfficeReport): ReportDocument {
  const blocks: Block[] = [];
  const heading = (text: string) => blocks.push({ type: 'heading', text });
  const paragraph = (text: string) => blocks.push({ type: 'paragraph', text });
  let section = 0;
  const numbered = (text: string) => heading(`${chineseOrdinal(++section)}、${text}`);

  if (rep.kind === 'final') {
    paragraph(rep.headline);
    numbered('总体完成情况');
    allThemes(rep.rows).forEach((g, i) =>
      paragraph(`${chineseOrdinal(i + 1)}是${clause(g.group)}。${themeCounts(g.rows)}。`),
    );
    const late = lateParagraph(rep);
    if (late) paragraph(late);
    numbered('部分完成年度目标任务情况');
    if (!rep.partial.length) paragraph('无。');
    for (const s of rep.partial) paragraph(s.text);
    if (rep.unfinished.length) {
      numbered('未完成年度目标任务情况');
      for (const s of rep.unfinished) paragraph(s.text);
    }
  } else {
    paragraph(`${rep.headline}具体情况如下：`);
    const targets = rep.rows.filter((r) => r.category === '预期目标');
    if (targets.length) {
      numbered('主要预期目标');
      paragraph(`${targets.map(sentence).join('；')}。`);
    }
    numbered('重点工作完成情况');
    themes(rep.rows).forEach((g, i) =>
      paragraph(`${chineseOrdinal(i + 1)}是${clause(g.group)}。${g.rows.map(sentence).join('；')}。`),
    );
    numbered('需关注事项');
    if (!rep.attention.length) paragraph('无滞后、受阻或未报送的任务。');
    for (const a of rep.attention) paragraph(a.text);
    const late = lateParagraph(rep);
    if (late) paragraph(late);
  }
  blocks.push(...appendix(rep));
  return { title: rep.title, blocks };
}
