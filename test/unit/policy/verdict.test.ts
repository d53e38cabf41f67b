// The proposed verdict from a task's final report, rule by rule.
import { describe, expect, it } from 'vitest';
import { proposeVerdict } from '../../../workflows/verdict.ts';

describe('proposeVerdict', () => {
  it('no final report → 未完成', () => {
    expect(proposeVerdict(undefined)).toEqual({ verdict: '未完成', reason: '未在期限内提交最终报告' });
  });

  it('完成 → 完成', () => {
    expect(proposeVerdict({ status: '完成', percent: 100, text: '已全面完成' }).verdict).toBe('完成');
    expect(proposeVerdict({ status: '完成', percent: null, text: '已完成' }).verdict).toBe('完成');
  });

  it('完成 but a stated percent below 100 → 部分完成, saying why', () => {
    const v = proposeVerdict({ status: '完成', percent: 85, text: '基本完成，尚有收尾' });
    expect(v.verdict).toBe('部分完成');
    expect(v.reason).toContain('85%');
    expect(v.reason).toContain('基本完成，尚有收尾');
  });

  it('部分完成 → 部分完成 with the unit’s reason', () => {
    const v = proposeVerdict({
      status: '部分完成',
      percent: 70,
      text: '三个项目完成两个',
      reason: '征地未完成',
    });
    expect(v.verdict).toBe('部分完成');
    expect(v.reason).toContain('征地未完成');
    expect(v.reason).toContain('70%');
  });

  it('未完成, 滞后 and 受阻 → 未完成 with the unit’s reason', () => {
    for (const status of ['未完成', '滞后', '受阻'] as const) {
      const v = proposeVerdict({ status, percent: 40, text: '……', reason: '资金未到位' });
      expect(v.verdict).toBe('未完成');
      expect(v.reason).toContain(status);
      expect(v.reason).toContain('资金未到位');
    }
  });

  it('without a reason the report text is quoted, shortened for a table cell', () => {
    const long = '推进'.repeat(100);
    const v = proposeVerdict({ status: '受阻', percent: null, text: long });
    expect(v.reason).toContain('报告摘要');
    expect(v.reason.length).toBeLessThan(120);
  });

  it('推进中 at the end → 部分完成 from 50 %, else 未完成', () => {
    const half = proposeVerdict({ status: '推进中', percent: 50, text: '正在推进' });
    expect(half.verdict).toBe('部分完成');
    expect(half.reason).toContain('截止时仍在推进中');
    expect(proposeVerdict({ status: '推进中', percent: 90, text: '' }).verdict).toBe('部分完成');
    const low = proposeVerdict({ status: '推进中', percent: 49, text: '' });
    expect(low.verdict).toBe('未完成');
    expect(low.reason).toContain('49%');
    const none = proposeVerdict({ status: '推进中', percent: null, text: '' });
    expect(none.verdict).toBe('未完成');
    expect(none.reason).toContain('未报进度');
  });
});
