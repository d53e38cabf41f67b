// A task set's schedule settings (TaskSet.settings) and its cadence: how
// often units are asked to report. The cadence comes from `duban import …
// --cadence` (and `duban simulate --cadence`) or from the settings' JSON:
//   monthly | 每月        quarterly | 每季度        half-yearly | 每半年
//   or dates: 2022-03-15,2022-06-15,2022-09-15 — each a request date, with
//   its due date after a slash (2022-03-15/2022-03-25), else due as many days
//   later as the set's dueDay is after its requestDay (10 by default); MM-DD
//   takes the set's year.
// Everything is checked before a workflow starts: a wrong value is one
// Chinese message that says where it is (the option, or the set's settings),
// what it got and what is expected.
import { BadInputError } from '../../lib/errors.ts';
import { validateSettings } from '../../workflows/schedule.ts';
import { DEFAULT_SETTINGS, type Cadence, type ScheduleSettings } from '../../workflows/types.ts';

const KINDS: Record<string, Cadence['kind']> = {
  monthly: 'monthly',
  month: 'monthly',
  每月: 'monthly',
  按月: 'monthly',
  月度: 'monthly',
  quarterly: 'quarterly',
  quarter: 'quarterly',
  每季度: 'quarterly',
  按季度: 'quarterly',
  季度: 'quarterly',
  'half-yearly': 'half-yearly',
  halfyearly: 'half-yearly',
  'semi-annual': 'half-yearly',
  每半年: 'half-yearly',
  按半年: 'half-yearly',
  半年: 'half-yearly',
};

export const CADENCE_HELP =
  'monthly（每月）、quarterly（每季度）、half-yearly（每半年），或用逗号分隔的请报日期，如 2022-03-15,2022-06-15（截止日可写在斜杠后：2022-03-15/2022-03-25）';

/** A cadence as people read it: 每月 / 每季度 / 每半年 / 自定义 3次（3月15日、…）. */
export function cadenceLabel(cadence: Cadence): string {
  switch (cadence.kind) {
    case 'monthly':
      return '每月';
    case 'quarterly':
      return '每季度';
    case 'half-yearly':
      return '每半年';
    case 'custom':
      return `自定义 ${cadence.requests.length} 次（${cadence.requests
        .map((r) => `${Number(r.requestOn.slice(5, 7))}月${Number(r.requestOn.slice(8, 10))}日`)
        .join('、')}）`;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

function realDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text;
}

function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * A cadence from its text. `where` names the place for the message (选项
 * --cadence, 任务集 X 的设置 cadence); `year` completes MM-DD dates.
 * Throws BadInputError naming where, the value and what is expected.
 */
export function parseCadence(
  text: string,
  options: { year: number; where: string; settings?: Pick<ScheduleSettings, 'requestDay' | 'dueDay'> },
): Cadence {
  const value = text.trim();
  const kind = KINDS[value.toLowerCase()];
  if (kind && kind !== 'custom') return { kind } as Cadence;
  const fail = (why: string): never => {
    throw new BadInputError(`${options.where} 的值「${value}」无效：${why}`, {
      option: options.where,
      value,
      expected: CADENCE_HELP,
    });
  };
  const items = value.split(/[,，、;；\s]+/).filter(Boolean);
  if (!items.length || !items.every((item) => /^[\d/-]+$/.test(item))) fail(`应为 ${CADENCE_HELP}`);
  const { requestDay, dueDay } = options.settings ?? DEFAULT_SETTINGS;
  const gap = Math.max(0, dueDay - requestDay);
  const full = (part: string, index: number): string => {
    const date = /^\d{1,2}-\d{1,2}$/.test(part)
      ? `${options.year}-${part
          .split('-')
          .map((n) => pad(Number(n)))
          .join('-')}`
      : part;
    if (!realDate(date)) fail(`第 ${index + 1} 个日期「${part}」不是有效日期（应为 YYYY-MM-DD 或 MM-DD）`);
    return date;
  };
  const requests = items.map((item, index) => {
    const [from, to, extra] = item.split('/');
    if (extra !== undefined || !from) fail(`第 ${index + 1} 项「${item}」应为 请报日 或 请报日/截止日`);
    const requestOn = full(from!, index);
    const dueOn = to ? full(to, index) : addDays(requestOn, gap);
    if (Number(requestOn.slice(0, 4)) !== options.year)
      fail(`第 ${index + 1} 个请报日 ${requestOn} 不在 ${options.year} 年内`);
    if (dueOn < requestOn) fail(`第 ${index + 1} 项的截止日 ${dueOn} 早于请报日 ${requestOn}`);
    return { requestOn, dueOn };
  });
  for (let i = 1; i < requests.length; i++) {
    if (requests[i]!.requestOn <= requests[i - 1]!.requestOn)
      fail(`请报日期应按先后排列且不重复（第 ${i + 1} 个 ${requests[i]!.requestOn} 不晚于第 ${i} 个）`);
  }
  return { kind: 'custom', requests };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A task set's settings: TaskSet.settings over the defaults (an empty object
 * → the defaults), checked. The cadence may be written as its text
 * ("quarterly", "2022-03-15,2022-06-15") or as an object. Throws
 * BadInputError naming the set and the setting.
 */
export function settingsFrom(
  json: unknown,
  set: { id: string; year: number } = { id: '', year: 0 },
): ScheduleSettings {
  const where = `任务集${set.id ? ` ${set.id} ` : ''}的设置（TaskSet.settings）`;
  if (json !== undefined && json !== null && !isRecord(json))
    throw new BadInputError(`${where}应为 JSON 对象`, { taskSetId: set.id });
  const given = (json ?? {}) as Partial<ScheduleSettings> & { cadence?: unknown };
  const merged = {
    ...DEFAULT_SETTINGS,
    ...given,
    quietHours: { ...DEFAULT_SETTINGS.quietHours, ...(isRecord(given.quietHours) ? given.quietHours : {}) },
  } as ScheduleSettings & { cadence: unknown };
  const cadence = merged.cadence;
  if (typeof cadence === 'string') {
    merged.cadence = parseCadence(cadence, { year: set.year, where: `${where} cadence`, settings: merged });
  } else if (
    !isRecord(cadence) ||
    !['monthly', 'quarterly', 'half-yearly', 'custom'].includes(String(cadence.kind)) ||
    (cadence.kind === 'custom' &&
      !(
        Array.isArray(cadence.requests) &&
        cadence.requests.every(
          (r) => isRecord(r) && typeof r.requestOn === 'string' && typeof r.dueOn === 'string',
        )
      ))
  ) {
    throw new BadInputError(
      `${where} cadence 的值 ${JSON.stringify(cadence)} 无效：应为 ${CADENCE_HELP}，或 {"kind":"monthly"} 之类的对象`,
      { taskSetId: set.id },
    );
  }
  const problems = validateSettings(merged);
  if (problems.length)
    throw new BadInputError(`${where}有误：${problems.join('；')}`, { taskSetId: set.id, problems });
  return merged;
}
