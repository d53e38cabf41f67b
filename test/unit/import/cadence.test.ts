// The cadence's text (`--cadence`, TaskSet.settings.cadence) and the set's
// settings as a workflow gets them: every wrong value is one Chinese message
// naming where it is, what it got and what is expected.
import { describe, expect, it } from 'vitest';
import { cadenceLabel, parseCadence, settingsFrom } from '../../../client/import/settings.ts';
import { kindOf, messageOf } from '../../../lib/errors.ts';
import { DEFAULT_SETTINGS } from '../../../workflows/types.ts';

const where = '选项 --cadence';
const parse = (text: string) => parseCadence(text, { year: 2022, where });
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { kind: kindOf(err), message: messageOf(err) };
  }
  throw new Error('expected a failure');
};

describe('parseCadence', () => {
  it.each([
    ['monthly', 'monthly'],
    ['每月', 'monthly'],
    ['Quarterly', 'quarterly'],
    ['每季度', 'quarterly'],
    ['half-yearly', 'half-yearly'],
    ['半年', 'half-yearly'],
  ])('%s → %s', (text, kind) => {
    expect(parse(text)).toEqual({ kind });
  });

  it('dates: request dates, due dates after a slash, MM-DD in the set’s year', () => {
    expect(parse('2022-03-15, 06-15/06-28，2022-09-15')).toEqual({
      kind: 'custom',
      requests: [
        { requestOn: '2022-03-15', dueOn: '2022-03-25' },
        { requestOn: '2022-06-15', dueOn: '2022-06-28' },
        { requestOn: '2022-09-15', dueOn: '2022-09-25' },
      ],
    });
  });

  it.each([
    ['weekly', '选项 --cadence 的值「weekly」无效：应为 monthly（每月）'],
    ['2022-02-30', '第 1 个日期「2022-02-30」不是有效日期'],
    ['2022-03-15/2022-03-01', '第 1 项的截止日 2022-03-01 早于请报日 2022-03-15'],
    ['2023-03-15', '第 1 个请报日 2023-03-15 不在 2022 年内'],
    ['2022-06-15,2022-03-15', '请报日期应按先后排列且不重复'],
    ['2022-03-15/03-25/04-01', '第 1 项「2022-03-15/03-25/04-01」应为 请报日 或 请报日/截止日'],
  ])('%s is refused: %s', (text, message) => {
    const refused = failure(() => parse(text));
    expect(refused.kind).toBe('BadInput');
    expect(refused.message).toContain(message);
  });

  it('labels each kind for people', () => {
    expect(cadenceLabel({ kind: 'quarterly' })).toBe('每季度');
    expect(cadenceLabel(parse('03-15,09-15'))).toBe('自定义 2 次（3月15日、9月15日）');
  });
});

describe('settingsFrom', () => {
  const set = { id: '2022-x', year: 2022 };
  it('the defaults from an empty object; the cadence as text or as an object', () => {
    expect(settingsFrom({}, set)).toEqual(DEFAULT_SETTINGS);
    expect(settingsFrom({ cadence: 'quarterly' }, set).cadence).toEqual({ kind: 'quarterly' });
    expect(settingsFrom({ cadence: { kind: 'half-yearly' }, dueDay: 20 }, set)).toMatchObject({
      cadence: { kind: 'half-yearly' },
      dueDay: 20,
    });
  });
  it.each([
    [{ cadence: 'weekly' }, '任务集 2022-x 的设置（TaskSet.settings） cadence 的值「weekly」无效'],
    [{ cadence: { kind: 'weekly' } }, 'cadence 的值 {"kind":"weekly"} 无效'],
    [{ dueDay: 40 }, 'dueDay（报送截止日） 应为 1–31 的整数，实际为 40'],
    [[1, 2], '应为 JSON 对象'],
  ])('refuses %j: %s', (json, message) => {
    const refused = failure(() => settingsFrom(json, set));
    expect(refused.kind).toBe('BadInput');
    expect(refused.message).toContain(message);
  });
});
