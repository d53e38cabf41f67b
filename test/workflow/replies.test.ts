// The replies file of `duban simulate`: good lines read in date order, bad
// lines located (file, line, field, value, what was expected).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readReplies } from '../../client/simulate/replies.ts';

const file = (text: string) => {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'replies-')), 'r.jsonl');
  writeFileSync(f, text);
  return f;
};

describe('replies file', () => {
  it('reads the lines in date order, numbers and all', async () => {
    const f = file(
      '{"date":"2022-03-15","task":"9","unit":"区交通局","status":"推进中","percent":30,"text":"按计划"}\n\n' +
        '{"date":"2022-02-15","task":9,"unit":"区交通局","status":"完成","reason":"提前完成"}\n',
    );
    const { replies, errors } = await readReplies(f);
    expect(errors).toEqual([]);
    expect(replies).toEqual([
      {
        line: 3,
        date: '2022-02-15',
        task: '9',
        unit: '区交通局',
        status: '完成',
        percent: null,
        text: '',
        reason: '提前完成',
      },
      {
        line: 1,
        date: '2022-03-15',
        task: '9',
        unit: '区交通局',
        status: '推进中',
        percent: 30,
        text: '按计划',
        reason: undefined,
      },
    ]);
  });

  it('locates every bad line', async () => {
    const f = file('{"date":"2022-02-30","task":"1","unit":"甲","status":"已完成","percent":120}\n{oops\n');
    const { errors } = await readReplies(f);
    expect(errors.map((e) => [e.row, e.column, e.value])).toEqual([
      [1, 'date', '2022-02-30'],
      [1, 'status', '已完成'],
      [1, 'percent', '120'],
      [2, null, '{oops'],
    ]);
  });
});
