// 完成时限 as offices write it: an ISO date, 2022年6月30日, 6月底前, 年底前,
// 三季度末, 长期坚持 (the year's end, and the work goes on), or nothing (the
// year's end). Pure: the table's year is a parameter.

export type DeadlineResult = { ok: true; date: string; continuing: boolean } | { ok: false; message: string };

export const DEADLINE_EXPECTED =
  '应为日期（如 2022-06-30、2022年6月30日）或 6月底前、年底前、上半年、三季度末、长期坚持，也可留空（即年底）';

const CN_DIGITS: Record<string, number> = {
  〇: 0,
  零: 0,
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

/** 一 → 1, 十 → 10, 十二 → 12, 二十 → 20 (enough for months, days and quarters). */
function chineseNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === '十') return 10;
  const m = /^([一二三四五六七八九两])?十([一二三四五六七八九])?$/.exec(s);
  if (m) return (m[1] ? CN_DIGITS[m[1]]! : 1) * 10 + (m[2] ? CN_DIGITS[m[2]]! : 0);
  if (s.length === 1 && s in CN_DIGITS) return CN_DIGITS[s];
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

function isoDate(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

function monthEnd(y: number, m: number): string | undefined {
  if (m < 1 || m > 12) return undefined;
  return isoDate(y, m, new Date(Date.UTC(y, m, 0)).getUTCDate());
}

const CONTINUING =
  /^(长期坚持|长期|长期推进|长期开展|持续推进|持续开展|持续|常态化|常态化推进|长效|长期执行)$/;

export function parseDeadline(raw: string | null | undefined, year: number): DeadlineResult {
  const ok = (date: string | undefined, continuing = false): DeadlineResult =>
    date
      ? { ok: true, date, continuing }
      : { ok: false, message: `完成时限「${raw}」不是有效日期；${DEADLINE_EXPECTED}` };
  let s = (raw ?? '').normalize('NFKC').replace(/\s+/g, '');
  if (!s) return ok(`${year}-12-31`);
  if (CONTINUING.test(s)) return ok(`${year}-12-31`, true);
  const english = parseEnglish((raw ?? '').normalize('NFKC').trim().toLowerCase(), year);
  if (english) return english;

  // Words that say "by" or "done" add nothing to the date.
  for (;;) {
    const t = s.replace(/(之前|以前|前|为止|止|完成|结束)$/, '');
    if (t === s) break;
    s = t;
  }
  // 六月 → 6月, 第三季度 → 第3季度
  s = s.replace(/([〇零一二三四五六七八九十两]{1,3})(?=月|日|号|季度)/g, (m) =>
    String(chineseNumber(m) ?? m),
  );
  s = s.replace(/号$/, '日');

  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T[\d:.]+Z?)?$/.exec(s)))
    return ok(isoDate(+m[1]!, +m[2]!, +m[3]!));
  if ((m = /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/.exec(s))) return ok(isoDate(+m[1]!, +m[2]!, +m[3]!));
  if ((m = /^(\d{4})[-/.](\d{1,2})$/.exec(s))) return ok(monthEnd(+m[1]!, +m[2]!));
  if ((m = /^(\d{4})年(\d{1,2})月(底|末|份|下旬)?$/.exec(s))) return ok(monthEnd(+m[1]!, +m[2]!));
  if ((m = /^(\d{1,2})月(\d{1,2})日$/.exec(s))) return ok(isoDate(year, +m[1]!, +m[2]!));
  if ((m = /^(\d{1,2})月(底|末|份|下旬)?$/.exec(s))) return ok(monthEnd(year, +m[1]!));
  if ((m = /^(\d{1,2})月上旬$/.exec(s))) return ok(isoDate(year, +m[1]!, 10));
  if ((m = /^(\d{1,2})月中旬$/.exec(s))) return ok(isoDate(year, +m[1]!, 20));
  if ((m = /^(?:(\d{4})年)?(?:第)?([1-4])季度(?:末|底)?$/.exec(s))) {
    return ok(monthEnd(m[1] ? +m[1] : year, +m[2]! * 3));
  }
  if ((m = /^(?:(\d{4})年)?(?:年底|年末|底|年内|全年|年度内|年度|本年度|当年|今年|年终)$/.exec(s))) {
    return ok(`${m[1] ?? year}-12-31`);
  }
  if ((m = /^(\d{4})年?$/.exec(s))) return ok(`${m[1]}-12-31`);
  if ((m = /^(?:(\d{4})年)?(上半年|年中)$/.exec(s))) return ok(`${m[1] ?? year}-06-30`);
  if ((m = /^(?:(\d{4})年)?下半年$/.exec(s))) return ok(`${m[1] ?? year}-12-31`);
  // An Excel date serial that lost its format on the way to CSV (44742 = 2022-06-30).
  if ((m = /^(\d{5})(?:\.\d+)?$/.exec(s)) && +m[1]! > 20000 && +m[1]! < 80000) {
    const d = new Date(Date.UTC(1899, 11, 30) + +m[1]! * 86_400_000);
    return ok(isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()));
  }
  return { ok: false, message: `无法识别的完成时限「${raw}」；${DEADLINE_EXPECTED}` };
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** The few English forms a table with English headers uses: end of year, Q3, H1, end of June, ongoing. */
function parseEnglish(s: string, year: number): DeadlineResult | undefined {
  if (!/^[a-z0-9 ,.-]+$/.test(s) || !/[a-z]/.test(s)) return undefined;
  const t = s
    .replace(/^(by|before|until)\s+/, '')
    .replace(/^the\s+/, '')
    .replace(/[.,]+$/, '');
  if (/^(ongoing|long[- ]term|continuous|continuing|permanent)$/.test(t))
    return { ok: true, date: `${year}-12-31`, continuing: true };
  if (/^(end of (the )?year|year[- ]end|eoy|within the year)$/.test(t))
    return { ok: true, date: `${year}-12-31`, continuing: false };
  let m: RegExpExecArray | null;
  if ((m = /^(?:end of )?q([1-4])(?: (\d{4}))?$/.exec(t)))
    return { ok: true, date: monthEnd(m[2] ? +m[2] : year, +m[1]! * 3)!, continuing: false };
  if (/^(end of )?(h1|first half( of the year)?|mid[- ]year)$/.test(t))
    return { ok: true, date: `${year}-06-30`, continuing: false };
  if (/^(end of )?(h2|second half( of the year)?)$/.test(t))
    return { ok: true, date: `${year}-12-31`, continuing: false };
  if ((m = /^(?:end of )?([a-z]+)(?: (\d{4}))?$/.exec(t))) {
    const month = MONTHS.findIndex((name) => name === m![1] || name.slice(0, 3) === m![1]);
    if (month >= 0) return { ok: true, date: monthEnd(m[2] ? +m[2] : year, month + 1)!, continuing: false };
  }
  return undefined;
}
