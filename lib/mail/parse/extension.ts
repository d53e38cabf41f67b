// A 延期申请 in a unit's reply: "申请延期至2022年12月31日，理由：……" and the
// forms units really write — 延期到12月31日, 延至2023年3月, 至2022年12月底,
// 推迟到年底, 顺延至三季度末, 延期两个月 — read into a date and a reason.
// Only a sentence that asks (延期/延长/推迟/顺延 … 至/到) counts, and never
// inside “…” (the instructions of our own mails, quoted back). A date with no
// year is the first such date after the current deadline; what cannot be
// reasoned about is refused with a Chinese reason naming what is missing.
// Whether the request may be granted (before the deadline, a later date) is
// the workflow's rule, not the parser's.
import type { IsoDate } from '../../../workflows/types.ts';

export type ExtensionAsk =
  /** the reply asks for no extension */
  | { asked: false }
  | { asked: true; ok: true; newDeadline: IsoDate; reason: string; phrase: string }
  | { asked: true; ok: false; problem: string; phrase: string };

export interface ExtensionContext {
  /** the task's current deadline: a date without a year is the first one after it */
  deadline: IsoDate;
}

/** Words that ask; 延长 / 推迟 need one (工期延长到明年 tells, it does not ask), 延期 / 顺延 do not. */
const ASKING = '(?:申请|请求|恳请|特申请|拟|建议|请|需要|需)';
const ABOUT = '(?:将?(?:完成)?(?:时限|期限|时间)?)?';
const AFTER = '(?:完成)?(?:时限|期限|时间)?\\s*(?:至|到|为)';
/** A request to move the deadline, up to 至/到: the date follows. */
const ASK_RE = new RegExp(
  [
    `${ASKING}?\\s*${ABOUT}(?:延期|顺延|展期)${AFTER}`,
    '延至|延到',
    `${ASKING}\\s*${ABOUT}(?:延长|推迟|延后)${AFTER}`,
    `(?:完成)?(?:时限|期限)(?:延长|推迟|延后)\\s*(?:至|到)`,
  ].join('|'),
);
/** "延期两个月", "申请延长一个月": counted from the current deadline. */
const RELATIVE_RE = new RegExp(
  `(?:${ASKING}?\\s*(?:延期|顺延|展期)|${ASKING}\\s*(?:延长|推迟|延后))\\s*([0-9一二两三四五六七八九十]+)\\s*(个月|个星期|周|星期|天|日|个工作日)`,
);
const REASON_RE = /(?:延期理由|申请理由|延期原因|理由|原因)\s*[:：]\s*(.+)/;

const NUMERALS: Record<string, number> = {
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** 12, １２, 十二, 三十一 → the number (1–99), or NaN. */
export function chineseNumber(text: string): number {
  const t = text.normalize('NFKC').trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(t);
  if (!m || (!m[1] && !m[2] && !m[3])) return NaN;
  if (!m[2]) return m[3] ? NaN : NUMERALS[m[1]!]!;
  return (m[1] ? NUMERALS[m[1]]! : 1) * 10 + (m[3] ? NUMERALS[m[3]]! : 0);
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const iso = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`;

function realDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay(year, month);
}

/** The deadline moved by a number of months, days or weeks ("延期两个月"). */
function moved(deadline: IsoDate, amount: number, unit: string): IsoDate | undefined {
  const [y, m, d] = deadline.split('-').map(Number) as [number, number, number];
  if (unit.includes('月')) {
    const total = y * 12 + (m - 1) + amount;
    const year = Math.floor(total / 12);
    const month = (total % 12) + 1;
    // a deadline at a month's end stays at the month's end (6月30日 + 2 个月 → 8月31日)
    const day = d === lastDay(y, m) ? lastDay(year, month) : Math.min(d, lastDay(year, month));
    return iso(year, month, day);
  }
  if (unit.includes('工作日')) return undefined;
  const days = unit === '周' || unit.includes('星期') ? amount * 7 : amount;
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const NUM = '[0-9一二两三四五六七八九十]{1,3}';

interface DateRead {
  date?: IsoDate;
  problem?: string;
  /** characters of `text` the date took */
  length: number;
}

/** The date at the start of `text` (after 至/到), in any of the forms units write. */
function readDate(text: string, deadline: IsoDate): DateRead | undefined {
  const deadlineYear = Number(deadline.slice(0, 4));
  /** a date with no year given: the first one after the current deadline */
  const after = (month: number, day: (year: number) => number): IsoDate => {
    const thisYear = iso(deadlineYear, month, day(deadlineYear));
    return thisYear > deadline ? thisYear : iso(deadlineYear + 1, month, day(deadlineYear + 1));
  };
  const forms: { re: RegExp; read: (m: RegExpExecArray) => IsoDate | string }[] = [
    {
      // 2022年12月31日, 2022-12-31, 2022/12/31, 2022.12.31
      re: new RegExp(`^(\\d{4})\\s*(?:年|-|/|\\.)\\s*(${NUM})\\s*(?:月|-|/|\\.)\\s*(${NUM})\\s*[日号]?`),
      read: (m) => {
        const [year, month, day] = [Number(m[1]), chineseNumber(m[2]!), chineseNumber(m[3]!)];
        return realDate(year, month, day) ? iso(year, month, day) : `「${m[0].trim()}」不是有效日期`;
      },
    },
    {
      // 2022年第三季度末, 2023年一季度
      re: new RegExp(`^(\\d{4})\\s*年\\s*第?([一二三四1-4])\\s*季度[末底]?`),
      read: (m) => {
        const month = chineseNumber(m[2]!) * 3;
        return iso(Number(m[1]), month, lastDay(Number(m[1]), month));
      },
    },
    {
      // 2022年上半年 / 下半年
      re: /^(\d{4})\s*年\s*([上下])半年[末底]?/,
      read: (m) => (m[2] === '上' ? `${m[1]}-06-30` : `${m[1]}-12-31`),
    },
    {
      // 2022年底, 2022年年底, 2022年末
      re: /^(\d{4})\s*年\s*(?:年底|年末|底|末)/,
      read: (m) => `${m[1]}-12-31`,
    },
    {
      // 2023年3月, 2022年12月底
      re: new RegExp(`^(\\d{4})\\s*年\\s*(${NUM})\\s*月\\s*(?:底|末|份|中旬|上旬|下旬)?`),
      read: (m) => {
        const [year, month] = [Number(m[1]), chineseNumber(m[2]!)];
        if (!(month >= 1 && month <= 12)) return `「${m[0].trim()}」不是有效的月份`;
        if (/中旬|上旬/.test(m[0])) return `「${m[0].trim()}」没有写明具体日期`;
        return iso(year, month, lastDay(year, month));
      },
    },
    {
      // 12月31日, 十二月三十一日
      re: new RegExp(`^(${NUM})\\s*月\\s*(${NUM})\\s*[日号]`),
      read: (m) => {
        const [month, day] = [chineseNumber(m[1]!), chineseNumber(m[2]!)];
        if (!realDate(2024, month, day)) return `「${m[0].trim()}」不是有效日期`;
        // 2月29日 in a year that has none: that year's last day of February
        return after(month, (year) => Math.min(day, lastDay(year, month)));
      },
    },
    {
      // 第三季度末, 三季度
      re: /^第?([一二三四1-4])\s*季度[末底]?/,
      read: (m) => {
        const month = chineseNumber(m[1]!) * 3;
        return after(month, (year) => lastDay(year, month));
      },
    },
    {
      // 年底, 年末, 今年底, 明年底
      re: /^(今年|本年|明年)?\s*(?:年底|年末|底)/,
      read: (m) =>
        m[1] === '明年' ? `${deadlineYear + 1}-12-31` : m[1] ? `${deadlineYear}-12-31` : after(12, () => 31),
    },
    {
      // 明年3月底, 明年三月
      re: new RegExp(`^明年\\s*(${NUM})\\s*月\\s*(?:底|末|份)?`),
      read: (m) => {
        const month = chineseNumber(m[1]!);
        if (!(month >= 1 && month <= 12)) return `「${m[0].trim()}」不是有效的月份`;
        return iso(deadlineYear + 1, month, lastDay(deadlineYear + 1, month));
      },
    },
    {
      // 12月底, 三月份, 9月
      re: new RegExp(`^(${NUM})\\s*月\\s*(?:底|末|份|中旬|上旬|下旬)?`),
      read: (m) => {
        const month = chineseNumber(m[1]!);
        if (!(month >= 1 && month <= 12)) return `「${m[0].trim()}」不是有效的月份`;
        if (/中旬|上旬/.test(m[0])) return `「${m[0].trim()}」没有写明具体日期`;
        return after(month, (year) => lastDay(year, month));
      },
    },
  ];
  for (const form of forms) {
    const m = form.re.exec(text);
    if (!m) continue;
    const read = form.read(m);
    return /^\d{4}-\d{2}-\d{2}$/.test(read)
      ? { date: read, length: m[0].length }
      : { problem: read, length: m[0].length };
  }
  return undefined;
}

/**
 * The reason: a labelled line (理由：…), else what follows the date in its
 * sentence (，因…), else what led up to the request in it (因…，特申请…).
 */
function readReason(text: string, rest: string, before: string): string | null {
  const labelled = REASON_RE.exec(text);
  if (labelled?.[1]?.trim()) return labelled[1].trim();
  const cause = '(?:因|由于|受|鉴于|主要是|原因是)';
  const tail = new RegExp(`^[，,、\\s]*(${cause}[^。！!\\n]*)`).exec(rest)?.[1]?.trim();
  if (tail) return tail;
  const lead = new RegExp(`(${cause}[^。！!]*?)[，,、\\s]*(?:我单位|现|特|故|拟|需)?\\s*$`)
    .exec(before)?.[1]
    ?.trim();
  return lead || null;
}

const EXAMPLE = '“申请延期至2022年12月31日，理由：……”';

/** Whether and what a reply asks of the deadline. `text` is the reply without quotes or signature. */
export function readExtensionRequest(text: string, context: ExtensionContext): ExtensionAsk {
  // our own instructions quoted back sit inside “…”: never a request
  const plain = text.replace(/[“"][^”"\n]*[”"]/g, ' ');
  const lines = plain.split('\n');
  for (const [index, line] of lines.entries()) {
    const ask = ASK_RE.exec(line.normalize('NFKC'));
    if (ask) {
      const after = line.slice(ask.index + ask[0].length).trimStart();
      const phrase = line.slice(ask.index, ask.index + ask[0].length + 30).trim();
      // full-width digits and 年月 as ASCII (one character each way)
      const date = readDate(after.normalize('NFKC'), context.deadline);
      if (!date)
        return {
          asked: true,
          ok: false,
          phrase,
          problem: `无法识别申请延至的日期（「${phrase}」）；请写明具体日期，例如${EXAMPLE}`,
        };
      if (date.problem) return { asked: true, ok: false, phrase, problem: `${date.problem}；例如${EXAMPLE}` };
      const reason = readReason(
        lines.slice(index).join('\n'),
        after.slice(date.length),
        line.slice(0, ask.index),
      );
      if (!reason) return { asked: true, ok: false, phrase, problem: `延期申请须说明理由；例如${EXAMPLE}` };
      return { asked: true, ok: true, newDeadline: date.date!, reason, phrase };
    }
    const relative = RELATIVE_RE.exec(line.normalize('NFKC'));
    if (relative) {
      const phrase = relative[0].trim();
      const amount = chineseNumber(relative[1]!);
      const date =
        Number.isFinite(amount) && amount > 0 ? moved(context.deadline, amount, relative[2]!) : undefined;
      if (!date)
        return {
          asked: true,
          ok: false,
          phrase,
          problem: `无法从「${phrase}」算出新的完成时限；请写明具体日期，例如${EXAMPLE}`,
        };
      const rest = line.slice(relative.index + relative[0].length);
      const reason = readReason(lines.slice(index).join('\n'), rest, line.slice(0, relative.index));
      if (!reason) return { asked: true, ok: false, phrase, problem: `延期申请须说明理由；例如${EXAMPLE}` };
      return { asked: true, ok: true, newDeadline: date, reason, phrase };
    }
  }
  return { asked: false };
}
