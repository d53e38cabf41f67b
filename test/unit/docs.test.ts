// The guides people read (docs/): the numbers the office manual states are
// the code's defaults, so a changed default with a stale manual fails here;
// both guides render as the desk and the units' listener serve them; every
// 交办 notice links the units' guide.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderGuide } from '../../client/web/markdown.ts';
import { DEFAULT_SETTINGS } from '../../workflows/types.ts';
import { IN_PROGRESS_PARTIAL_THRESHOLD } from '../../workflows/verdict.ts';
import { loadConfig } from '../../lib/config.ts';
import { composeMail } from '../../activities/mail/compose.ts';

const read = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');

describe('docs/office-manual.md', () => {
  const manual = read('office-manual.md');
  const s = DEFAULT_SETTINGS;
  it('states the default schedule as the code has it', () => {
    expect(manual).toContain(`每月 **${s.requestDay} 日**发【请报送】`);
    expect(manual).toContain(`当月 **${s.dueDay} 日**`);
    expect(manual).toContain(`截止后第 **${s.reminderAfterWorkingDays}** 个工作日未报送：【催办】`);
    expect(manual).toContain(`截止后第 **${s.yellowAfterWorkingDays}** 个工作日仍未报送：【再次催办】`);
    expect(manual).toContain(`截止后第 **${s.escalateAfterWorkingDays}** 个工作日仍未报送：【督办】`);
    expect(manual).toContain(`落后超过 **${s.lagMarginPercent}** 个百分点`);
    expect(manual).toContain(`工作日 **${s.quietHours.sendFrom}–${s.quietHours.sendUntil}**`);
    expect(manual).toContain(`完成时限前 **${s.finalRequestWorkingDaysBefore}** 个工作日请报最终完成情况`);
    expect(manual).toContain(`最终报告截止后 **${s.reviewWorkingDays}** 个工作日内`);
    expect(manual).toContain(`推进中，进度 ≥ ${IN_PROGRESS_PARTIAL_THRESHOLD}%`);
    expect(manual).toContain(
      `有效期为 ${loadConfig({ DUBAN_HOME: '/tmp/duban-docs-test', TOKEN_SECRET: 'd'.repeat(40) }).tokens.ttlDays} 天`,
    );
  });
  it('covers every part the office needs', () => {
    for (const heading of [
      '一年的时间线',
      '开始一年',
      '每月例行',
      '收件的每种结果',
      '年中调整',
      '报告',
      '谁做了什么',
      '故障排查',
      '备份',
    ])
      expect(manual, heading).toMatch(new RegExp(`^## .*${heading}`, 'm'));
    for (const outcome of ['已报送', '待核实', '已拒收', '自动回复', '退信', '无法解析', '未处理完'])
      expect(manual, outcome).toContain(`| ${outcome} |`);
  });
});

describe('docs/units-guide.md', () => {
  const guide = read('units-guide.md');
  it('tells the units how to 签收, report, attach, use the form, ask for time, change a mailbox', () => {
    for (const heading of ['签收', '报送进展', '附件', '网页', '申请延期', '更换邮箱'])
      expect(guide, heading).toMatch(new RegExp(`^## .*${heading}`, 'm'));
    expect(guide).toContain('状态：推进中');
    expect(guide).toContain('申请延期至2022年12月31日，理由：');
  });
  it('renders as the units’ listener serves it, and every 交办 notice links it', async () => {
    const doc = await renderGuide('units-guide.md');
    expect(doc?.title).toBe('责任单位报送指南');
    expect(doc?.html).not.toMatch(/<script/i);
    const config = loadConfig({
      DUBAN_HOME: '/tmp/duban-docs-test',
      TOKEN_SECRET: 'd'.repeat(40),
      PUBLIC_URL: 'https://duban.example.gov.cn',
    });
    const notice = composeMail(
      {
        step: 'notice/区交通局',
        kind: 'notice',
        unit: { name: '区交通局', emails: ['jtj@units.test'], leaderEmails: [] },
        about: { topic: 'notice', role: 'lead', coUnits: [] },
        at: 0,
      },
      {
        workflowId: 'duban/x/1',
        task: { taskSetId: 'x', seq: '1', category: '重点工作', text: '测试', deadline: '2022-12-31' },
        taskSet: { name: '测试', year: 2022 },
        config,
      },
    )!;
    expect(notice.text).toContain('https://duban.example.gov.cn/help/units');
    expect(notice.html).toContain('href="https://duban.example.gov.cn/help/units"');
    expect((await renderGuide('office-manual.md'))?.title).toBe('督查室操作手册');
  });
});
