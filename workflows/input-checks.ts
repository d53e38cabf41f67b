// The shape of what reaches the workflow from outside (updates and signals
// arrive as JSON from any client): small checks that each give a Chinese
// reason, or undefined when the value is fine. The rules of each action are
// in office-actions.ts and reports.ts; these only say "well-formed".
import { isIsoDate } from './calendar.ts';

/** Longest reason (理由) an action takes. */
export const MAX_REASON_LENGTH = 2_000;
/** Longest name of a person acting (经办人、批准人). */
export const MAX_ACTOR_LENGTH = 100;
/** Longest unit name. */
export const MAX_UNIT_NAME_LENGTH = 200;
/** Longest idempotency key (an email's Message-ID can be long). */
export const MAX_KEY_LENGTH = 2_000;
/** Longest report text: a long reply still fits; a runaway one does not fill the history. */
export const MAX_REPORT_TEXT_LENGTH = 100_000;
/** Most units a task may have in one role. */
export const MAX_UNITS = 200;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a person can read it in a reason: short, quoted. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '（空）' : JSON.stringify(value);
  return `「${text.length > 40 ? `${text.slice(0, 40)}…` : text}」`;
}

/**
 * A text field: a string without NUL (PostgreSQL cannot keep it), at most
 * `max` characters. With `missing`, it is required and the message says so
 * when it is absent or blank; without, it may be absent.
 */
export function textProblem(
  value: unknown,
  label: string,
  options: { max: number; missing?: string },
): string | undefined {
  if (value === undefined || value === null) return options.missing;
  if (typeof value !== 'string') return `${label}应为文字，收到 ${shown(value)}`;
  if (options.missing !== undefined && !value.trim()) return options.missing;
  if (value.includes('\u0000')) return `${label}含有无法保存的控制字符`;
  if (value.length > options.max) return `${label}过长：${value.length} 字，最多 ${options.max} 字`;
  return undefined;
}

/** A reason the action needs: present, not blank, not too long. */
export function reasonProblem(value: unknown, missing: string): string | undefined {
  return textProblem(value, '理由', { max: MAX_REASON_LENGTH, missing });
}

/** Who acts (经办人): present, not blank, not too long. */
export function actorProblem(value: unknown, label = '经办人'): string | undefined {
  return textProblem(value, label, { max: MAX_ACTOR_LENGTH, missing: `须写明${label}` });
}

/** An idempotency or reference key. */
export function keyProblem(value: unknown, label: string): string | undefined {
  // keys index plain objects in the task's data, where this one would replace the prototype
  if (value === '__proto__') return `${label}不能为 __proto__`;
  return textProblem(value, label, { max: MAX_KEY_LENGTH, missing: `缺少${label}` });
}

/** A calendar date that exists, as YYYY-MM-DD (2022-09-31 and 2022-13-45 do not). */
export function dateProblem(value: unknown, label: string): string | undefined {
  if (isIsoDate(value)) return undefined;
  return `${label}${shown(value)}不是有效日期，应为 YYYY-MM-DD 格式的真实日期`;
}

/** An epoch-ms moment. */
export function momentProblem(value: unknown, label: string): string | undefined {
  return typeof value === 'number' && Number.isFinite(value)
    ? undefined
    : `${label}应为时间戳，收到 ${shown(value)}`;
}

/** A unit as the workflow keeps it: a name and its addresses. */
export function unitRefProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `单位应包含名称和邮箱，收到 ${shown(value)}`;
  const name = textProblem(value.name, '单位名称', {
    max: MAX_UNIT_NAME_LENGTH,
    missing: '单位名称不能为空',
  });
  if (name) return name;
  for (const field of ['emails', 'leaderEmails'] as const) {
    const list = value[field];
    if (!Array.isArray(list) || !list.every((address) => typeof address === 'string'))
      return `单位${shown(value.name)}的${field === 'emails' ? '邮箱' : '领导邮箱'}应为文字列表`;
  }
  return undefined;
}

/** The first of several problems, or undefined. */
export function firstProblem(...problems: (string | undefined)[]): string | undefined {
  return problems.find((problem) => problem !== undefined);
}
