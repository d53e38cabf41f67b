// The guides' Markdown becomes a page without any way to run script: raw
// HTML is shown as text, javascript: links lose their link, images their source.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderGuide } from '../../../client/web/markdown.ts';

describe('guides', () => {
  it('renders headings, tables and links; raw HTML and javascript: links stay inert', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-docs-'));
    writeFileSync(
      path.join(dir, 'guide.md'),
      [
        '# 责任单位报送指南',
        '',
        '| 步骤 | 做法 |',
        '| --- | --- |',
        '| 签收 | 回复交办邮件 |',
        '',
        '<script>alert(1)</script>',
        '',
        '[网页报送](/help/units) [坏链接](javascript:alert(1)) ![图](http://evil.example/x.png)',
      ].join('\n'),
    );
    const doc = await renderGuide('guide.md', dir);
    expect(doc?.title).toBe('责任单位报送指南');
    expect(doc?.html).toContain('<h1>责任单位报送指南</h1>');
    expect(doc?.html).toContain('<td>回复交办邮件</td>');
    expect(doc?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc?.html).not.toContain('<script>');
    expect(doc?.html).toContain('<a href="/help/units">网页报送</a>');
    expect(doc?.html).not.toContain('javascript:');
    expect(doc?.html).not.toContain('<img');
  });

  it('says nothing is there when the file is missing', async () => {
    expect(await renderGuide('none.md', mkdtempSync(path.join(tmpdir(), 'duban-docs-')))).toBeNull();
  });
});
