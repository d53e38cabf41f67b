// The sign-in page.
import { html } from '../../../lib/html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';

export function signInPage(ctx: PageContext, o: { next: string; name?: string; error?: string }): string {
  return page(
    '登录',
    html`<form class="signin" method="post" action="/signin">
<h2>督查室工作台 · 登录</h2>
${o.error ? html`<div class="box bad" id="error"><p>${o.error}</p></div>` : ''}
${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
<label for="name">用户名</label><input id="name" name="name" autocomplete="username" required value="${o.name ?? ''}">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>
<p class="muted">账号由管理员用 <code>duban user add</code> 创建。</p></form>`,
    ctx,
  );
}
