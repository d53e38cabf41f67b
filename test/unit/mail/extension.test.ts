// A 延期申请 in a unit's reply, in the forms units really write: read into a
// date and a reason, or refused with a Chinese reason naming what is missing;
// our own instructions quoted back, and progress prose, are no request.
import { describe, expect, it } from 'vitest';
import { chineseNumber, readExtensionRequest } from '../../../lib/mail/parse/extension.ts';

const ask = (text: string, deadline = '2022-06-30') => readExtensionRequest(text, { deadline });

describe('readExtensionRequest', () => {
  it.each([
    ['申请延期至2022年12月31日，理由：汛期影响施工。', '2022-12-31', '汛期影响施工。'],
    ['因拆迁未完成，特申请延期到12月31日。', '2022-12-31', '因拆迁未完成'],
    ['我单位申请将完成时限延至2023年3月，理由：资金未到位', '2023-03-31', '资金未到位'],
    ['申请延期至2022年12月底\n理由：设备采购周期长', '2022-12-31', '设备采购周期长'],
    ['至2022年12月底，申请延期至2022年12月底。原因：审批未完成', '2022-12-31', '审批未完成'],
    ['申请延长至三季度末，原因：审批未完成', '2022-09-30', '审批未完成'],
    ['申请延期两个月，理由：疫情', '2022-08-31', '疫情'],
    ['申请延期至２０２２－０９－３０ 原因：疫情', '2022-09-30', '疫情'],
    ['申请推迟到十二月三十一日，由于征地问题', '2022-12-31', '由于征地问题'],
    ['申请延期至年底，理由：需等待验收', '2022-12-31', '需等待验收'],
    ['申请延期至下半年，理由：x', undefined, undefined],
  ])('%s', (text, date, reason) => {
    const result = ask(text);
    if (date === undefined) {
      expect(result).toMatchObject({ asked: true, ok: false });
      return;
    }
    expect(result).toMatchObject({ asked: true, ok: true, newDeadline: date, reason });
  });

  it('a date with no year is the first one after the current deadline', () => {
    expect(ask('申请延期到3月31日，理由：x', '2022-12-31')).toMatchObject({ newDeadline: '2023-03-31' });
    expect(ask('申请延期到9月30日，理由：x', '2022-06-30')).toMatchObject({ newDeadline: '2022-09-30' });
  });

  it.each([
    ['申请延期至下个月，理由：x', '无法识别申请延至的日期'],
    ['申请延期至2022年2月30日，理由：x', '「2022年2月30日」不是有效日期'],
    ['申请延期至2022年9月30日', '延期申请须说明理由'],
    ['申请延期至9月中旬，理由：x', '没有写明具体日期'],
  ])('%s is refused: %s', (text, problem) => {
    const result = ask(text);
    expect(result).toMatchObject({ asked: true, ok: false });
    expect((result as { problem: string }).problem).toContain(problem);
    expect((result as { problem: string }).problem).toContain('例如“申请延期至2022年12月31日，理由：……”');
  });

  it.each([
    '项目工期延长到2023年，正在推进',
    '如需延长完成时限，请写明“申请延期至××××年××月××日，理由：……”',
    '状态：推进中\n进度：60%\n本月完成主体工程。',
    '不需要延期。',
  ])('no request: %s', (text) => {
    expect(ask(text)).toEqual({ asked: false });
  });

  it('reads Chinese numerals', () => {
    expect([
      chineseNumber('十二'),
      chineseNumber('三十一'),
      chineseNumber('两'),
      chineseNumber('１２'),
    ]).toEqual([12, 31, 2, 12]);
  });
});
