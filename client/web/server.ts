// The web server: the office's dashboard (health of each part, task sets,
// tasks with their lights), the caught mail, and whatever handlers other
// modules mount (the inbound view, the units' reply form). Read-only except
// for those mounted handlers; plain node:http, no framework.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Database } from '../../lib/db.ts';
import type { Config } from '../../lib/config.ts';
import { checkHealth, type Health } from '../health.ts';
import { listCaughtMail, mailDir } from '../up/smtp-catcher.ts';
import { html, raw, type Raw } from '../../lib/html.ts';
import { page, lightBadge } from './layout.ts';
import { send } from './http.ts';
import { httpStatusOf, kindOf, messageOf } from '../../lib/errors.ts';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export interface WebDeps {
  config: Config;
  db: Database;
  client?: Client;
  /** extra handlers tried in order before the built-in pages; true = handled */
  handlers?: Handler[];
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

function healthTable(h: Health): Raw {
  const rows: [string, { ok: boolean; detail: string }][] = [
    ['Temporal', h.temporal],
    ['数据库', h.database],
    ['SMTP 邮件', h.smtp],
    ['Worker', h.worker],
  ];
  return html`<h2>运行状态</h2><table id="health"><tr><th>组件</th><th>状态</th><th>说明</th></tr>${rows.map(
    ([name, p]) =>
      html`<tr data-part="${name}"><td>${name}</td><td class="${p.ok ? 'ok' : 'bad'}">${p.ok ? '✔ 正常' : '✘ 异常'}</td><td>${p.detail}</td></tr>`,
  )}</table>`;
}

async function dashboard(deps: WebDeps, setId: string | null): Promise<string> {
  const health = await checkHealth({ config: deps.config, db: deps.db, client: deps.client });
  const prisma = deps.db.prisma;
  const sets = await prisma.taskSet.findMany({
    orderBy: { createdAt: 'asc' },
    include: { _count: { select: { tasks: true } } },
  });
  const current = sets.find((s) => s.id === setId) ?? sets[0];
  let tasksHtml = html`<p class="muted">还没有任务集。用 <code>duban import</code> 导入分解表。</p>`;
  if (current) {
    const tasks = await prisma.task.findMany({
      where: { taskSetId: current.id },
      include: { assignments: { where: { active: true, role: 'lead' }, include: { unit: true } } },
    });
    tasks.sort(
      (a, b) =>
        (a.sourceRow ?? 0) - (b.sourceRow ?? 0) || a.seq.localeCompare(b.seq, 'zh', { numeric: true }),
    );
    const counts = { green: 0, yellow: 0, red: 0 } as Record<string, number>;
    for (const t of tasks) counts[t.light] = (counts[t.light] ?? 0) + 1;
    tasksHtml = html`<h2>${current.name}（${current.year} 年，${tasks.length} 项）</h2>
<p>${lightBadge('green')} ${counts.green ?? 0} ${lightBadge('yellow')} ${counts.yellow ?? 0} ${lightBadge('red')} ${counts.red ?? 0}</p>
<table id="tasks"><tr><th>序号</th><th>类别</th><th>工作任务</th><th>牵头单位</th><th>完成时限</th><th>状态</th><th>亮灯</th><th>下次截止</th><th>最近报告</th></tr>
${tasks.map(
  (
    t,
  ) => html`<tr><td class="nw">${t.seq}</td><td class="nw">${t.category}</td><td>${t.text}</td><td>${t.assignments.map((a) => a.unit.name).join('、')}</td>
<td class="nw">${t.continuing ? '长期坚持' : t.deadline.toISOString().slice(0, 10)}</td><td class="nw">${t.state}</td><td class="nw">${lightBadge(t.light)}</td>
<td class="nw">${t.nextDue ? t.nextDue.toISOString().slice(0, 10) : ''}</td><td>${t.lastReport ?? ''}</td></tr>`,
)}</table>`;
  }
  const setsHtml = html`<h2>任务集</h2><table id="sets"><tr><th>编号</th><th>名称</th><th>年度</th><th>任务数</th><th>启动</th></tr>${sets.map(
    (s) =>
      html`<tr><td><a href="/?set=${encodeURIComponent(s.id)}">${s.id}</a></td><td>${s.name}</td><td>${s.year}</td><td>${s._count.tasks}</td><td>${s.startedAt ? s.startedAt.toISOString().slice(0, 10) : '未启动'}</td></tr>`,
  )}</table>`;
  const links = html`<p class="muted">Temporal 界面：${deps.config.temporal.embedded ? raw(`<a href="http://localhost:${deps.config.temporal.uiPort}">http://localhost:${deps.config.temporal.uiPort}</a>`) : deps.config.temporal.address}</p>`;
  // Bounces mark an address failing (lib/inbound/ingest.ts): the office
  // must fix the directory, or the unit never hears of its tasks.
  const failing = await prisma.addressHealth.findMany({
    where: { failing: true },
    orderBy: { lastBounce: 'desc' },
  });
  const failingHtml = failing.length
    ? html`<h2 class="bad">失效邮箱（${failing.length}）</h2><table id="failing"><tr><th>邮箱</th><th>最近退信</th><th>原因</th></tr>${failing.map(
        (f) =>
          html`<tr><td>${f.address}</td><td>${f.lastBounce.toISOString()}</td><td>${f.reason ?? ''}</td></tr>`,
      )}</table>`
    : html``;
  return page('总览', html`${healthTable(health)}${links}${failingHtml}${setsHtml}${tasksHtml}`);
}

function mailList(deps: WebDeps): string {
  const mails = listCaughtMail(deps.config);
  return page(
    '已发邮件',
    html`<h2>内置收集器收到的邮件（${mails.length}）</h2><table id="mail"><tr><th>时间</th><th>文件</th><th>大小</th></tr>${mails.map(
      (m) =>
        html`<tr><td>${m.at.toISOString()}</td><td><a href="/mail/${encodeURIComponent(m.name)}">${m.name}</a></td><td>${m.size}</td></tr>`,
    )}</table>`,
  );
}

export async function startWebServer(deps: WebDeps): Promise<WebServer> {
  const server = http.createServer((req, res) => {
    (async () => {
      for (const h of deps.handlers ?? []) if (await h(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, '只支持 GET', 'text/plain; charset=utf-8');
      if (url.pathname === '/') return send(res, 200, await dashboard(deps, url.searchParams.get('set')));
      if (url.pathname === '/health') {
        const h = await checkHealth({ config: deps.config, db: deps.db, client: deps.client });
        return send(res, h.ok ? 200 : 503, JSON.stringify(h), 'application/json; charset=utf-8');
      }
      if (url.pathname === '/mail') return send(res, 200, mailList(deps));
      const m = /^\/mail\/([\w.-]+\.eml)$/.exec(url.pathname);
      if (m) {
        try {
          const body = readFileSync(path.join(mailDir(deps.config), m[1]!));
          res.writeHead(200, {
            'content-type': 'message/rfc822',
            'content-disposition': `inline; filename="${m[1]}"`,
          });
          return void res.end(body);
        } catch {
          return send(res, 404, page('未找到', html`<p>没有这封邮件。</p>`));
        }
      }
      send(res, 404, page('未找到', html`<p>页面不存在：${url.pathname}</p>`));
    })().catch((err: unknown) => {
      // A failure with a kind is the person's to read; anything else is ours:
      // logged here, never shown (it may hold a database's own text).
      const kind = kindOf(err);
      if (!kind)
        process.stderr.write(
          `网页请求 ${req.method} ${req.url} 出错：${(err as Error)?.stack ?? String(err)}\n`,
        );
      const message = kind ? messageOf(err) : '服务器内部错误，请稍后重试；问题持续时请联系管理员。';
      if (!res.headersSent) send(res, httpStatusOf(err), page('出错了', html`<p>${message}</p>`));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.config.web.port, deps.config.web.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : deps.config.web.port;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
