import { describe, expect, it } from 'vitest';
import { looksLikeHeader, matchHeaders, TASK_FIELDS, UNIT_FIELDS } from '../../../client/import/headers.ts';

describe('header detection', () => {
  it('finds the sample columns by name', () => {
    const m = matchHeaders(
      ['序号', '类别', '分组', '工作任务', '牵头单位', '配合单位', '完成时限'],
      TASK_FIELDS,
    );
    expect(m.columns).toEqual({ seq: 0, category: 1, group: 2, text: 3, lead: 4, co: 5, deadline: 6 });
    expect(m.missing).toEqual([]);
    expect(m.extra).toEqual([]);
  });

  it('accepts the usual Chinese variants in any order and keeps unknown columns as extras', () => {
    const m = matchHeaders(['完成时间', '协办单位', '责任单位', '任务内容', '编号', '备注'], TASK_FIELDS);
    expect(m.columns).toEqual({ deadline: 0, co: 1, lead: 2, text: 3, seq: 4 });
    expect(m.extra).toEqual([5]);
  });

  it('reads English headers with punctuation and case', () => {
    const m = matchHeaders(
      ['No.', 'Task', 'Lead Unit(s)', 'Co-units', 'Deadline', 'Category', 'Group'],
      TASK_FIELDS,
    );
    expect(m.columns).toEqual({ seq: 0, text: 1, lead: 2, co: 3, deadline: 4, category: 5, group: 6 });
  });

  it('tells a header from a title row and from a data row', () => {
    expect(looksLikeHeader(['2022年政府工作报告重点任务分解表', '', ''], TASK_FIELDS)).toBe(false);
    expect(looksLikeHeader(['1', '推动量子通信器件国家重点实验室落地', '区科技局'], TASK_FIELDS)).toBe(false);
    expect(looksLikeHeader(['序号', '工作任务', '牵头单位'], TASK_FIELDS)).toBe(true);
  });

  it('reports the missing required column', () => {
    const m = matchHeaders(['序号', '工作任务', '配合单位'], TASK_FIELDS);
    expect(m.missing.map((s) => s.label)).toEqual(['牵头单位']);
  });

  it('keeps 联系邮箱 and 分管领导邮箱 apart in the unit directory', () => {
    const m = matchHeaders(
      ['单位代码', '单位名称', '类型', '联系邮箱', '分管领导邮箱', '成员单位'],
      UNIT_FIELDS,
    );
    expect(m.columns).toEqual({ code: 0, name: 1, type: 2, emails: 3, leaderEmails: 4, members: 5 });
  });
});
