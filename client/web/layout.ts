// The office's page frame and small shared pieces of its pages.
import { escapeHtml, html, type Raw } from '../../lib/html.ts';

const LIGHT_CLASS: Record<string, string> = { green: 'g', yellow: 'y', red: 'r' };
const LIGHT_LABEL: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };
export const lightBadge = (light: string) =>
  html`<span class="light ${LIGHT_CLASS[light] ?? ''}">${LIGHT_LABEL[light] ?? light}</span>`;

export function page(title: string, body: Raw): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · 督办</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#a8161b;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#fff;text-decoration:none}header h1{font-size:20px;margin:0}
main{padding:16px 24px;max-width:1400px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 24px}
th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top;font-size:14px}
th{background:#f0f0f0;white-space:nowrap}
.nw{white-space:nowrap}
.ok{color:#137333}.bad{color:#b3261e}
.light{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
.light.g{background:#188038}.light.y{background:#e37400}.light.r{background:#c5221f}
.muted{color:#777;font-size:13px}
</style></head><body>
<header><h1>督办 Duban</h1><a href="/">总览</a><a href="/mail">已发邮件</a><a href="/inbox">收件</a></header>
<main>${body.html}</main></body></html>`;
}
