// The words of the office's reports, as supervision offices publish them
// (a 完成情况通报: "141项目标任务（预期目标10项、重点工作任务131项）中，预期目标全部
// 完成年度目标任务；…", numbered paragraphs "（一）…（第9项）"). Pure functions over
// plain values, shared by the report's data (build.ts) and its layout
// (document.ts), so that every format says the same sentence.

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1 → 一, 12 → 十二, 23 → 二十三, 101 → 一百零一, 141 → 一百四十一 (any table's count). */
export function chineseOrdinal(n: number): string {
  if (!Number.isInteger(n) || n < 0) return String(n);
  if (n < 10) return DIGITS[n]!;
  if (n < 20) return `十${n % 10 ? DIGITS[n % 10] : ''}`;
  if (n < 100) return `${DIGITS[Math.floor(n / 10)]}十${n % 10 ? DIGITS[n % 10] : ''}`;
  if (n < 1000) {
    const rest = n % 100;
    const head = `${DIGITS[Math.floor(n / 100)]}百`;
    if (!rest) return head;
    // 101 一百零一, 110 一百一十, 115 一百一十五
    return rest < 10
      ? `${head}零${DIGITS[rest]}`
      : rest < 20
        ? `${head}一${chineseOrdinal(rest)}`
        : head + chineseOrdinal(rest);
  }
  return String(n);
}

/** （一）（二）… */
export const paragraphNumber = (n: number) => `（${chineseOrdinal(n)}）`;

/** 2022-06-30 → 2022年6月30日 */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** A piece of text as the middle of a sentence: one line, no closing punctuation of its own. */
export function clause(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[。；;，,.、\s]+$/u, '');
}

/** The category as an office names it in a report: 重点工作 → 重点工作任务. */
export const categoryLabel = (category: string) => (category === '重点工作' ? '重点工作任务' : category);

export const VERDICT_PHRASE: Record<string, string> = {
  完成: '完成年度目标任务',
  部分完成: '部分完成年度目标任务',
  未完成: '未完成年度目标任务',
  待评定: '尚待评定',
  已撤销: '已撤销',
};

/** How a half-year count reads: "5项已完成，120项正常推进，…" */
export const STATUS_PHRASE: Record<string, string> = {
  完成: '已完成',
  推进中: '正常推进',
  部分完成: '部分完成',
  滞后: '进度滞后',
  受阻: '推进受阻',
  未完成: '未完成',
  未报送: '尚未报送进展',
};

/** The order the counts are told in. */
export const STATUS_ORDER = ['完成', '推进中', '部分完成', '滞后', '受阻', '未完成', '未报送'];
export const ASSESSMENT_ORDER = ['完成', '部分完成', '未完成', '待评定', '已撤销'];

export interface CategoryCount {
  category: string;
  tasks: number;
  /** 完成 / 部分完成 / 未完成 / 待评定 / 已撤销 → count */
  assessments: Record<string, number>;
  /** latest status → count (未报送 for none) */
  byStatus: Record<string, number>;
}

/** "141项目标任务（预期目标10项、重点工作任务131项）" */
export function taskCountPhrase(total: number, categories: CategoryCount[]): string {
  const parts = categories.map((c) => `${categoryLabel(c.category)}${c.tasks}项`);
  return `${total}项目标任务${parts.length ? `（${parts.join('、')}）` : ''}`;
}

/**
 * One category's year: "预期目标全部完成年度目标任务" when all are done, else
 * "重点工作任务中128项完成年度目标任务，3项部分完成年度目标任务".
 */
export function categoryVerdictPhrase(c: CategoryCount): string {
  const label = categoryLabel(c.category);
  if (c.tasks > 0 && (c.assessments['完成'] ?? 0) === c.tasks) return `${label}全部完成年度目标任务`;
  const parts = ASSESSMENT_ORDER.filter((a) => (c.assessments[a] ?? 0) > 0).map(
    (a) => `${c.assessments[a]}项${VERDICT_PHRASE[a]}`,
  );
  return `${label}中${parts.join('，')}`;
}

/** The year-end report's opening sentence. */
export function finalHeadline(total: number, categories: CategoryCount[], asOf?: string): string {
  const lead = asOf ? `截至${chineseDate(asOf)}，` : '全年';
  const body = categories.filter((c) => c.tasks > 0).map(categoryVerdictPhrase);
  return `${lead}${taskCountPhrase(total, categories)}中，${body.join('；')}。`;
}

/** The half-year report's opening sentence: how many tasks stand where. */
export function midyearHeadline(
  total: number,
  categories: CategoryCount[],
  byStatus: Record<string, number>,
  asOf: string,
): string {
  const counts = [...STATUS_ORDER, ...Object.keys(byStatus).filter((s) => !STATUS_ORDER.includes(s))]
    .filter((s) => (byStatus[s] ?? 0) > 0)
    .map((s) => `${byStatus[s]}项${STATUS_PHRASE[s] ?? s}`);
  return `截至${chineseDate(asOf)}，${taskCountPhrase(total, categories)}中，${counts.join('，')}。`;
}

/** "推进中，进度 55%" · "未报送" */
export const progressPhrase = (status: string | null, percent: number | null) =>
  status === null ? '未报送' : `${status}${percent !== null ? `，进度 ${percent}%` : ''}`;

/** "催办 2 次、督办 1 次" (empty when neither) */
export function ladderPhrase(reminders: number, escalations: number, unreported = 0): string {
  return [
    unreported ? `逾期未报 ${unreported} 期` : '',
    reminders ? `催办 ${reminders} 次` : '',
    escalations ? `督办 ${escalations} 次` : '',
  ]
    .filter(Boolean)
    .join('、');
}
