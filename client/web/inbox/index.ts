// Web handlers for mail coming back, mounted by the web server:
//   GET  /inbox                    the office's per-message list: outcome, reason, sender, subject
//   GET  /inbox/<id>.eml           the raw message, one click away
//   GET  /inbox/attachment/<id>    an attachment as received
//   GET  /reply/<token>            the unit's web reply form (the link in every request)
//   POST /reply/<token>            sends the report to the task workflow as an update, so the
//                                  unit is told at once whether it was accepted, and why not
// Everything from outside (subjects, names, reasons, task text) is escaped.
import type http from 'node:http';
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { InboundDeps } from '../../../lib/inbound/ingest.ts';
import { applyHeld, splitWorkflowId, storeRaw } from '../../../lib/inbound/ingest.ts';
import { tokenReference, verifyReplyToken, type ReplyClaims } from '../../../lib/mail/tokens.ts';
import { submitReportUpdate } from '../../../workflows/messages.ts';
import { recordReport } from '../../../activities/apply-effects.ts';
import {
  REPORT_STATUSES,
  type ReportInput,
  type ReportOutcome,
  type ReportStatus,
} from '../../../workflows/types.ts';
import { escapeHtml, html, raw, type Raw } from '../../../lib/html.ts';
import { page } from '../layout.ts';

const OUTCOME_LABEL: Record<string, string> = {
  pending: '处理中',
  applied: '已报送',
  held: '待核实',
  refused: '已拒收',
  'auto-reply': '自动回复',
  bounce: '退信',
  unparseable: '无法解析',
};
const OUTCOME_CLASS: Record<string, string> = {
  applied: 'ok',
  refused: 'bad',
  bounce: 'bad',
  unparseable: 'bad',
  held: 'warn',
};

function send(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/html; charset=utf-8',
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

const fmt = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

async function inboxList(deps: InboundDeps, outcome: string | null): Promise<string> {
  const where = outcome && OUTCOME_LABEL[outcome] ? { outcome } : {};
  const [rows, groups, failing] = await Promise.all([
    deps.prisma.inboundMessage.findMany({
      where,
      orderBy: { id: 'desc' },
      take: 500,
      select: {
        id: true,
        messageId: true,
        source: true,
        receivedAt: true,
        fromAddr: true,
        subject: true,
        outcome: true,
        reason: true,
        workflowId: true,
        unitName: true,
        _count: { select: { attachments: true } },
      },
    }),
    deps.prisma.inboundMessage.groupBy({ by: ['outcome'], _count: { _all: true } }),
    deps.prisma.addressHealth.findMany({
      where: { failing: true },
      orderBy: { lastBounce: 'desc' },
      take: 100,
    }),
  ]);
  const counts = Object.fromEntries(groups.map((g) => [g.outcome, g._count._all]));
  const filters = html`<p>${[
    html`<a href="/inbox">全部</a> `,
    ...Object.entries(OUTCOME_LABEL).map(
      ([k, label]) => html`· <a href="/inbox?outcome=${k}">${label}（${counts[k] ?? 0}）</a> `,
    ),
  ]}</p>`;
  const table = rows.length
    ? html`<table id="inbox"><tr><th>收到时间</th><th>渠道</th><th>发件人</th><th>主题</th><th>结果</th><th>说明</th><th>任务 / 单位</th><th>原始邮件</th></tr>${rows.map(
        (r) =>
          html`<tr data-outcome="${r.outcome}" data-message-id="${r.messageId}"><td>${fmt(r.receivedAt)}</td><td>${r.source}</td><td>${r.fromAddr ?? ''}</td><td>${r.subject ?? ''}${r._count.attachments ? html` <span class="muted">（附件 ${r._count.attachments}）</span>` : ''}</td><td class="${OUTCOME_CLASS[r.outcome] ?? ''}">${OUTCOME_LABEL[r.outcome] ?? r.outcome}</td><td>${r.reason ?? ''}</td><td>${r.workflowId ?? ''}${r.unitName ? html`<br>${r.unitName}` : ''}</td><td><a href="/inbox/${r.id}.eml">下载 .eml</a> · <a href="/inbox/${r.id}">详情</a></td></tr>`,
      )}</table>`
    : html`<p class="muted">还没有收到邮件。</p>`;
  const bounces = failing.length
    ? html`<h2>投递失败的地址</h2><table id="failing"><tr><th>地址</th><th>最近退信</th><th>说明</th></tr>${failing.map(
        (f) => html`<tr><td>${f.address}</td><td>${fmt(f.lastBounce)}</td><td>${f.reason ?? ''}</td></tr>`,
      )}</table>`
    : html``;
  return page('收件', html`<h2>收到的邮件与网页报送</h2>${filters}${table}${bounces}`);
}

async function inboxDetail(deps: InboundDeps, id: number): Promise<string | null> {
  const row = await deps.prisma.inboundMessage.findUnique({
    where: { id },
    include: { attachments: { select: { id: true, filename: true, contentType: true, size: true } } },
  });
  if (!row) return null;
  const text = Buffer.from(row.raw).toString('utf8');
  return page(
    '邮件详情',
    html`<h2>${row.subject ?? '（无主题）'}</h2>
<table><tr><th>Message-ID</th><td>${row.messageId}</td></tr><tr><th>发件人</th><td>${row.fromAddr ?? ''}</td></tr>
<tr><th>结果</th><td class="${OUTCOME_CLASS[row.outcome] ?? ''}">${OUTCOME_LABEL[row.outcome] ?? row.outcome}</td></tr><tr><th>说明</th><td>${row.reason ?? ''}</td></tr>
<tr><th>任务</th><td>${row.workflowId ?? ''}</td></tr><tr><th>单位</th><td>${row.unitName ?? ''}</td></tr><tr><th>报告编号</th><td>${row.reportKey ?? ''}</td></tr>
<tr><th>附件</th><td>${row.attachments.map((a) => html`<a href="/inbox/attachment/${a.id}">${a.filename}</a> <span class="muted">${a.contentType}，${a.size} 字节</span><br>`)}</td></tr></table>
${
  row.outcome === 'held'
    ? html`<form method="post" action="/inbox/${row.id}/apply" class="box"><p>核实发件人确属该单位后，可放行这份报告（将标记为待人工核对）。</p><label>核实人 <input name="by" required></label> <button type="submit">核实放行</button></form>`
    : ''
}
<p><a href="/inbox/${row.id}.eml">下载原始邮件（.eml）</a></p><pre style="white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:8px;max-height:480px;overflow:auto">${text.slice(0, 20000)}</pre>`,
  );
}

// ------------------------------------------------------------ reply form

const REPLY_STYLE = `body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#a8161b;color:#fff;padding:10px 24px}main{max-width:760px;margin:0 auto;padding:16px 24px}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;white-space:nowrap;width:7em}label{display:block;margin:12px 0 4px;font-weight:bold}
select,input,textarea{font:inherit;padding:6px;width:100%;box-sizing:border-box}textarea{min-height:160px}
button{margin-top:16px;padding:8px 24px;font:inherit;background:#a8161b;color:#fff;border:0;border-radius:4px}
.ok{color:#137333}.bad{color:#b3261e}.box{background:#fff;border:1px solid #ddd;padding:12px 16px;margin:12px 0}`;

function replyPage(title: string, body: Raw): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · 督办</title><style>${REPLY_STYLE}</style></head><body><header>督办 · 工作任务进展报送</header><main>${body.html}</main></body></html>`;
}

async function taskInfo(deps: InboundDeps, claims: ReplyClaims) {
  const task = await deps.prisma.task.findUnique({
    where: { workflowId: claims.workflowId },
    include: { taskSet: true },
  });
  const request = task
    ? await deps.prisma.request.findFirst({
        where: { taskId: task.id, unitName: claims.unit, period: claims.period },
      })
    : null;
  return { task, request };
}

function refusedToken(reason: string): string {
  const why: Record<string, string> = {
    伪造: '链接无效（签名不符）。请使用督查室邮件中的链接。',
    过期: '链接已过期。请使用最新一封请报送邮件中的链接，或与督查室联系。',
    格式错误: '链接不完整，请从邮件中完整复制。',
  };
  return replyPage('链接无效', html`<div class="box bad"><p>${why[reason] ?? reason}</p></div>`);
}

interface FormValues {
  status?: string;
  percent?: string;
  text?: string;
  reason?: string;
}

async function replyForm(
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
  values: FormValues = {},
  message?: Raw,
): Promise<string> {
  const { task, request } = await taskInfo(deps, claims);
  const ids = splitWorkflowId(claims.workflowId);
  const rows: [string, string][] = [
    ['单位', claims.unit],
    ['任务', task ? `第${task.seq}项：${task.text}` : `第${ids?.seq ?? ''}项`],
    ...(task ? ([['完成时限', task.deadline.toISOString().slice(0, 10)]] as [string, string][]) : []),
    ['报送周期', claims.period === 'final' ? '最终报告' : claims.period],
    ...(request ? ([['截止日期', request.dueAt.toISOString().slice(0, 10)]] as [string, string][]) : []),
  ];
  return replyPage(
    '进展报送',
    html`<h2>${task ? `${task.taskSet.year}年${task.taskSet.name}` : '工作任务进展报送'}</h2>
<table>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>
${message ?? ''}
<form method="post" action="/reply/${token}">
<label for="status">状态</label><select id="status" name="status" required>${REPORT_STATUSES.map(
      (s) => html`<option value="${s}"${raw(values.status === s ? ' selected' : '')}>${s}</option>`,
    )}</select>
<label for="percent">进度（%）</label><input id="percent" name="percent" type="number" min="0" max="100" step="1" value="${values.percent ?? ''}">
<label for="text">具体进展</label><textarea id="text" name="text" required>${values.text ?? ''}</textarea>
<label for="reason">原因（滞后、受阻、部分完成、未完成时填写）</label><input id="reason" name="reason" value="${values.reason ?? ''}">
<button type="submit">提交</button></form>`,
  );
}

async function readForm(req: http.IncomingMessage, limit = 256 * 1024): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The web report as a message of its own, so the office's list shows it beside the mail. */
function webMessage(claims: ReplyClaims, input: ReportInput, messageId: string, ip: string): Buffer {
  const b64 = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;
  return Buffer.from(
    [
      `From: ${b64(claims.unit)} <web-form@duban.invalid>`,
      `Subject: ${b64(`网页报送：${claims.workflowId} ${claims.period}`)}`,
      `Date: ${new Date(input.receivedAt).toUTCString()}`,
      `Message-ID: ${messageId}`,
      `X-Duban-Client-Address: ${ip.replace(/[^\w.:]/g, '')}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(
        `状态：${input.status}\n进度：${input.percent ?? ''}%\n${input.reason ? `原因：${input.reason}\n` : ''}\n${input.text}\n`,
      )
        .toString('base64')
        .replace(/(.{76})/g, '$1\r\n'),
      '',
    ].join('\r\n'),
  );
}

async function submitReply(
  deps: InboundDeps,
  req: http.IncomingMessage,
  token: string,
  claims: ReplyClaims,
): Promise<{ status: number; body: string }> {
  const form = await readForm(req);
  if (!form)
    return { status: 413, body: replyPage('内容过长', html`<div class="box bad">提交的内容过长。</div>`) };
  const values: FormValues = {
    status: form.get('status') ?? '',
    percent: form.get('percent') ?? '',
    text: form.get('text') ?? '',
    reason: form.get('reason') ?? '',
  };
  const errors: string[] = [];
  if (!REPORT_STATUSES.includes(values.status as ReportStatus)) errors.push('请选择状态。');
  const percent = values.percent?.trim() ? Number(values.percent) : null;
  if (percent !== null && !(Number.isInteger(percent) && percent >= 0 && percent <= 100))
    errors.push('进度应为 0 到 100 的整数。');
  if (!values.text?.trim()) errors.push('请填写具体进展。');
  if (errors.length) {
    return {
      status: 400,
      body: await replyForm(
        deps,
        token,
        claims,
        values,
        html`<div class="box bad">${errors.map((e) => html`<p>${e}</p>`)}</div>`,
      ),
    };
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([token, values.status, percent, values.text?.trim(), values.reason?.trim()]))
    .digest('hex')
    .slice(0, 24);
  const messageId = `<web.${tokenReference(token)}.${digest}@duban.web>`;
  const receivedAt = deps.now?.() ?? Date.now();
  const input: ReportInput = {
    key: `web:${tokenReference(token)}:${digest}`,
    period: claims.period,
    unit: claims.unit,
    status: values.status as ReportStatus,
    percent,
    text: values.text!.trim(),
    ...(values.reason?.trim() ? { reason: values.reason.trim() } : {}),
    channel: 'web',
    inboundMessageId: messageId,
    receivedAt,
  };
  // Kept raw first, whatever becomes of it: the submission as it arrived.
  const rawMessage = webMessage(claims, input, messageId, req.socket.remoteAddress ?? '');
  const stored = await storeRaw(deps.prisma, messageId, 'web', rawMessage, receivedAt);
  const record = (outcomeWord: 'applied' | 'refused' | 'pending', reason: string) =>
    stored.created
      ? deps.prisma.inboundMessage.update({
          where: { id: stored.id },
          data: {
            subject: `网页报送：${claims.unit} ${claims.period}`,
            outcome: outcomeWord,
            reason,
            workflowId: claims.workflowId,
            unitName: claims.unit,
            reportKey: input.key,
          },
        })
      : Promise.resolve();
  let outcome: ReportOutcome;
  try {
    if (!deps.client) throw new Error('系统暂时无法连接任务工作流');
    outcome = await deps.client.workflow
      .getHandle(claims.workflowId)
      .executeUpdate(submitReportUpdate, { args: [input] });
  } catch (err) {
    const notFound = err instanceof WorkflowNotFoundError || (err as Error).name === 'WorkflowNotFoundError';
    // an update refused by its validator arrives as an error carrying the reason
    const reason = notFound
      ? '该任务不存在或已结束。'
      : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
    outcome = { accepted: false, reason };
    if (!notFound && !(err as { cause?: unknown }).cause) {
      await record('pending', `暂时无法送达任务工作流：${reason}`);
      return {
        status: 503,
        body: await replyForm(
          deps,
          token,
          claims,
          values,
          html`<div class="box bad"><p>暂时无法提交：${reason}。请稍后重试，或直接回复邮件。</p></div>`,
        ),
      };
    }
  }
  if (!outcome.accepted) {
    // A refusal by the update's validator never reaches the history; keep it
    // with its reason in the Report table too, as the signal path does.
    const task = await deps.prisma.task.findUnique({
      where: { workflowId: claims.workflowId },
      select: { id: true },
    });
    if (task) await recordReport(deps.prisma, task.id, input, false, outcome.reason);
  }
  await record(
    outcome.accepted ? 'applied' : 'refused',
    outcome.accepted
      ? outcome.duplicate
        ? '网页报送（重复提交，未重复登记）'
        : '网页报送，任务工作流已接收'
      : `任务工作流拒收：${outcome.reason ?? ''}`,
  );
  const box = outcome.accepted
    ? html`<div class="box ok" id="result" data-accepted="true"><p>${outcome.duplicate ? '这份报告此前已提交，未重复登记。' : '报送成功，督查室已收到。'}</p></div>`
    : html`<div class="box bad" id="result" data-accepted="false"><p>报送未被接收：${outcome.reason ?? '原因不明'}</p></div>`;
  return {
    status: outcome.accepted ? 200 : 409,
    body: await replyForm(deps, token, claims, outcome.accepted ? {} : values, box),
  };
}

/** Handles /inbox… and /reply/…; returns false for any other path. */
export async function handleInboxRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: InboundDeps,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const p = url.pathname;
  const method = req.method ?? 'GET';

  if (p === '/inbox' && method === 'GET') {
    send(res, 200, await inboxList(deps, url.searchParams.get('outcome')));
    return true;
  }
  let m = /^\/inbox\/(\d+)\.eml$/.exec(p);
  if (m && method === 'GET') {
    const row = await deps.prisma.inboundMessage.findUnique({
      where: { id: Number(m[1]) },
      select: { raw: true },
    });
    if (!row) send(res, 404, page('未找到', html`<p>没有这封邮件。</p>`));
    else
      send(res, 200, Buffer.from(row.raw), 'message/rfc822', {
        'content-disposition': `attachment; filename="inbound-${m[1]}.eml"`,
      });
    return true;
  }
  m = /^\/inbox\/attachment\/(\d+)$/.exec(p);
  if (m && method === 'GET') {
    const a = await deps.prisma.attachment.findUnique({ where: { id: Number(m[1]) } });
    if (!a || !a.content) send(res, 404, page('未找到', html`<p>没有这个附件。</p>`));
    else
      send(res, 200, Buffer.from(a.content), 'application/octet-stream', {
        'content-disposition': `attachment; filename="attachment-${a.id}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
      });
    return true;
  }
  m = /^\/inbox\/(\d+)\/apply$/.exec(p);
  if (m && method === 'POST') {
    const form = await readForm(req);
    const by = form?.get('by')?.trim() || '督查室';
    try {
      await applyHeld(deps, Number(m[1]), by.slice(0, 50));
      res.writeHead(303, { location: `/inbox/${m[1]}` }).end();
    } catch (err) {
      send(
        res,
        409,
        page(
          '无法放行',
          html`<p class="bad">${(err as Error).message}</p><p><a href="/inbox/${m[1]}">返回</a></p>`,
        ),
      );
    }
    return true;
  }
  m = /^\/inbox\/(\d+)$/.exec(p);
  if (m && method === 'GET') {
    const body = await inboxDetail(deps, Number(m[1]));
    send(res, body ? 200 : 404, body ?? page('未找到', html`<p>没有这封邮件。</p>`));
    return true;
  }
  m = /^\/reply\/([a-z2-7]{1,400})$/i.exec(p);
  if (m || p.startsWith('/reply/')) {
    const token = m?.[1]?.toLowerCase() ?? '';
    const verified = verifyReplyToken(token, deps.config.tokens.secret, deps.now?.() ?? Date.now());
    if (!verified.ok) {
      send(res, 403, refusedToken(verified.reason));
      return true;
    }
    if (method === 'GET') {
      send(res, 200, await replyForm(deps, token, verified.claims));
      return true;
    }
    if (method === 'POST') {
      const r = await submitReply(deps, req, token, verified.claims);
      send(res, r.status, r.body);
      return true;
    }
    send(res, 405, replyPage('不支持', html`<p>不支持的请求方法。</p>`), 'text/html; charset=utf-8', {
      allow: 'GET, POST',
    });
    return true;
  }
  return false;
}
