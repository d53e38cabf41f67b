// The desk's page frame and the small pieces every page shares. Every page
// is rendered on the server from html`` templates (escaped by default); it
// runs no script (the CSP allows none) and takes its style from /static/desk.css.
import { escapeHtml, html, raw, type Raw } from '../../lib/html.ts';
import type { SignedInUser } from './auth/sessions.ts';
import { ROLE_LABEL } from './auth/accounts.ts';

/** Who is looking, and the form token for this session (absent on error pages before sign-in). */
export interface PageContext {
  user?: SignedInUser | null;
  csrf?: string;
  /** the section of the navigation to mark */
  section?: string;
  /** seconds until the page reloads itself (a running job) */
  refresh?: number;
}

const LIGHT_CLASS: Record<string, string> = { green: 'g', yellow: 'y', red: 'r' };
export const LIGHT_LABEL: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };
export const lightBadge = (light: string) =>
  html`<span class="light ${LIGHT_CLASS[light] ?? ''}" data-light="${light}">${LIGHT_LABEL[light] ?? light}</span>`;

/** The hidden field every state-changing form carries (@fastify/csrf-protection reads `_csrf`). */
export const csrfField = (ctx: PageContext) =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`;

const NAV: [string, string, string][] = [
  ['dashboard', '/', '总览'],
  ['units', '/units', '单位'],
  ['inbox', '/inbox', '收件'],
  ['mail', '/mail', '已发邮件'],
  ['reports', '/reports', '报告'],
  ['import', '/import', '导入与启动'],
  ['audit', '/audit', '操作记录'],
  ['help', '/help/office', '手册'],
];

/** China time to the minute: what the office's clocks say. */
export const chinaMinute = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
export const isoDay = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

export function page(title: string, body: Raw, ctx: PageContext = {}): string {
  const user = ctx.user;
  const nav = user
    ? html`<nav>${NAV.map(
        ([key, href, label]) =>
          html`<a href="${href}"${raw(ctx.section === key ? ' class="on"' : '')}>${label}</a>`,
      )}</nav>
<div class="who"><span>${user.name}（${ROLE_LABEL[user.role]}）</span><form method="post" action="/signout">${csrfField(ctx)}<button type="submit">退出</button></form></div>`
    : html``;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${ctx.refresh ? `<meta http-equiv="refresh" content="${Number(ctx.refresh)}">` : ''}<title>${escapeHtml(title)} · 督办</title>
<link rel="stylesheet" href="/static/desk.css"></head><body>
<header><h1><a href="/">督办 Duban</a></h1>${nav.html}</header>
<main>${body.html}</main></body></html>`;
}

export function messagePage(title: string, message: string, ctx: PageContext = {}, back?: string): string {
  return page(
    title,
    html`<div class="box bad" id="error"><p>${message}</p></div>${back ? html`<p><a href="${back}">返回</a></p>` : ''}`,
    ctx,
  );
}
