import { describe, expect, it } from 'vitest';
import { diffIsEmpty, diffTables, type ExistingTask } from '../../../client/import/diff.ts';
import type { ParsedTask } from '../../../client/import/types.ts';

const task = (seq: string, extra: Partial<ParsedTask> = {}): ParsedTask => ({
  seq,
  category: '重点工作',
  group: '科学城',
  text: `任务${seq}`,
  deadline: '2022-12-31',
  continuing: false,
  deadlineRaw: null,
  attributes: {},
  sourceRow: Number(seq) + 1,
  lead: ['区科技局'],
  co: [],
  ...extra,
});
const stored = (t: ParsedTask, state = '未启动'): ExistingTask => ({ ...t, state });

describe('diffTables', () => {
  it('finds nothing when the table is the same (row order and unit order aside)', () => {
    const next = [task('1', { lead: ['区科技局', '区教委'] }), task('2')];
    const old = [stored(task('2', { sourceRow: 9 })), stored(task('1', { lead: ['区教委', '区科技局'] }))];
    expect(diffIsEmpty(diffTables(next, old, [], []))).toBe(true);
  });

  it('lists added, changed (with fields) and removed tasks', () => {
    const old = [task('1'), task('2'), task('3')].map((t) => stored(t));
    const next = [
      task('1', { text: '改过' }),
      task('2', { deadline: '2022-06-30', co: ['区教委'] }),
      task('4'),
    ];
    const d = diffTables(next, old, [], []);
    expect(d.added).toEqual(['4']);
    expect(d.changed).toEqual([
      { seq: '1', fields: ['text'] },
      { seq: '2', fields: ['deadline', 'co'] },
    ]);
    expect(d.removed).toEqual(['3']);
    expect(d.blocked).toEqual([]);
  });

  it('blocks changes to tasks whose workflows run, and lists them', () => {
    const old = [stored(task('1'), '进行中'), stored(task('2'), '已暂停')];
    const d = diffTables([task('1', { text: '改过' })], old, [], []);
    expect(d.changed).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.blocked).toEqual([
      { seq: '1', state: '进行中', change: 'changed', fields: ['text'] },
      { seq: '2', state: '已暂停', change: 'removed' },
    ]);
  });

  it('compares units by their directory fields', () => {
    const u = {
      code: 'D1',
      name: '区教委',
      aliases: [],
      type: '单位' as const,
      emails: ['a@x.test'],
      leaderEmails: [],
      members: [],
      attributes: {},
    };
    const d = diffTables(
      [],
      [],
      [
        { ...u, emails: ['b@x.test'] },
        { ...u, name: '区科技局', code: 'D2' },
      ],
      [u, { ...u, name: '区财政局', code: 'D3' }],
    );
    expect(d.units).toEqual({ added: ['区科技局'], changed: ['区教委'], removed: ['区财政局'] });
  });
});
