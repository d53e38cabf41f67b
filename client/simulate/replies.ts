// The replies file of `duban simulate`: one JSON object per line,
// {"date":"YYYY-MM-DD","task":"<序号>","unit":"<单位名称>","status":"…","percent":80,"text":"…","reason":"…"}.
// A bad line is an input error naming the file, the line and what is wrong.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { REPORT_STATUSES, type ReportStatus } from '../../workflows/types.ts';
import { isIsoDate } from '../../workflows/calendar.ts';

export interface Reply {
  line: number;
  date: string;
  task: string;
  unit: string;
  status: ReportStatus;
  percent: number | null;
  text: string;
  reason?: string;
}

export interface ReplyError {
  file: string;
  row: number;
  column: string | null;
  value: string | null;
  message: string;
}

const schema = z.object({
  date: z.string().refine(isIsoDate, '应为日期 YYYY-MM-DD'),
  task: z.union([z.string().min(1), z.number()]).transform(String),
  unit: z.string().min(1, '不能为空'),
  status: z.enum(REPORT_STATUSES, { message: `应为 ${REPORT_STATUSES.join(' / ')} 之一` }),
  percent: z.number().min(0, '应在 0–100 之间').max(100, '应在 0–100 之间').nullable().optional(),
  text: z.string().default(''),
  reason: z.string().optional(),
});

export async function readReplies(file: string): Promise<{ replies: Reply[]; errors: ReplyError[] }> {
  const text = await readFile(file, 'utf8');
  const replies: Reply[] = [];
  const errors: ReplyError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      errors.push({ file, row: line, column: null, value: raw.slice(0, 80), message: '不是合法的 JSON' });
      return;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = issue.path.join('.') || null;
        const v = column ? (value as Record<string, unknown>)[column] : undefined;
        errors.push({
          file,
          row: line,
          column,
          value: v === undefined ? null : String(v),
          message: issue.message,
        });
      }
      return;
    }
    const r = parsed.data;
    replies.push({
      line,
      date: r.date,
      task: r.task,
      unit: r.unit,
      status: r.status,
      percent: r.percent ?? null,
      text: r.text,
      reason: r.reason,
    });
  });
  replies.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line - b.line));
  return { replies, errors };
}
