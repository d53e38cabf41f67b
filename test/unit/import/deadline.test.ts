import { describe, expect, it } from 'vitest';
import { parseDeadline } from '../../../client/import/deadline.ts';

describe('parseDeadline', () => {
  const cases: [string | null, string, boolean][] = [
    ['2022-06-30', '2022-06-30', false],
    ['2022/9/1', '2022-09-01', false],
    ['2022.3.5', '2022-03-05', false],
    ['2022年6月30日', '2022-06-30', false],
    ['2022年10月15日前', '2022-10-15', false],
    ['２０２２年３月３１日', '2022-03-31', false],
    ['2022年6月底', '2022-06-30', false],
    ['6月底前', '2022-06-30', false],
    ['2月底前', '2022-02-28', false],
    ['十一月底', '2022-11-30', false],
    ['9月30日前', '2022-09-30', false],
    ['年底前', '2022-12-31', false],
    ['年内完成', '2022-12-31', false],
    ['2023年底前', '2023-12-31', false],
    ['三季度末', '2022-09-30', false],
    ['第一季度', '2022-03-31', false],
    ['上半年', '2022-06-30', false],
    ['长期坚持', '2022-12-31', true],
    ['持续推进', '2022-12-31', true],
    ['', '2022-12-31', false],
    [null, '2022-12-31', false],
    ['44742', '2022-06-30', false],
    ['2022-06-30T00:00:00Z', '2022-06-30', false],
    ['end of year', '2022-12-31', false],
    ['By Q3', '2022-09-30', false],
    ['H1', '2022-06-30', false],
    ['end of June', '2022-06-30', false],
    ['Sep 2023', '2023-09-30', false],
    ['ongoing', '2022-12-31', true],
  ];
  it.each(cases)('%s → %s', (raw, date, continuing) => {
    expect(parseDeadline(raw, 2022)).toEqual({ ok: true, date, continuing });
  });

  it('uses the table year for dates without one', () => {
    expect(parseDeadline('6月底前', 2024)).toEqual({ ok: true, date: '2024-06-30', continuing: false });
    expect(parseDeadline('2月底', 2024)).toEqual({ ok: true, date: '2024-02-29', continuing: false });
  });

  it('refuses what it cannot read, and impossible dates, saying what is expected', () => {
    for (const raw of ['下个月', '2022-02-30', '2022年13月1日', '尽快', 'soon', 'end of Smarch']) {
      const r = parseDeadline(raw, 2022);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message).toContain(raw);
        expect(r.message).toContain('6月底前');
      }
    }
  });
});
