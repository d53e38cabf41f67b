// The office's inbox routes:
//   GET  /inbox                    every message: outcome, reason, sender, subject (?outcome= filters)
//   GET  /inbox/<id>               one message, with its raw text and attachments
//   GET  /inbox/<id>.eml           the raw message, one click away
//   GET  /inbox/attachment/<id>    an attachment as received
//   POST /inbox/<id>/apply         the office lets a held reply through
import type http from 'node:http';
import { applyHeld, type InboundDeps } from '../../../lib/inbound/ingest.ts';
import { httpStatusOf, messageOf } from '../../../lib/errors.ts';
import { readForm, send } from '../http.ts';
import {
  OUTCOME_LABEL,
  actionFailedPage,
  inboxDetailPage,
  inboxListPage,
  notFoundPage,
} from '../views/inbox.ts';

/** A row id from a path: digits that fit an INTEGER column, else nothing (a 404, not a database error). */
function rowId(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 && n <= 2_147_483_647 ? n : undefined;
}

async function list(deps: InboundDeps, outcome: string | null): Promise<string> {
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
  return inboxListPage(
    rows.map(({ _count, ...r }) => ({ ...r, attachments: _count.attachments })),
    counts,
    failing,
  );
}

/** Handles /inbox…; false for any other path. */
export async function handleInbox(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: InboundDeps,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path !== '/inbox' && !path.startsWith('/inbox/')) return false;

  if (path === '/inbox' && method === 'GET') {
    send(res, 200, await list(deps, url.searchParams.get('outcome')));
    return true;
  }
  let m = /^\/inbox\/(\d+)\.eml$/.exec(path);
  if (m && method === 'GET') {
    const id = rowId(m[1]);
    const row = id
      ? await deps.prisma.inboundMessage.findUnique({ where: { id }, select: { raw: true } })
      : null;
    if (!row) send(res, 404, notFoundPage('没有这封邮件。'));
    else
      send(res, 200, Buffer.from(row.raw), 'message/rfc822', {
        'content-disposition': `attachment; filename="inbound-${id}.eml"`,
      });
    return true;
  }
  m = /^\/inbox\/attachment\/(\d+)$/.exec(path);
  if (m && method === 'GET') {
    const id = rowId(m[1]);
    const a = id ? await deps.prisma.attachment.findUnique({ where: { id } }) : null;
    if (!a || !a.content) send(res, 404, notFoundPage('没有这个附件。'));
    else
      send(res, 200, Buffer.from(a.content), 'application/octet-stream', {
        'content-disposition': `attachment; filename="attachment-${a.id}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
      });
    return true;
  }
  m = /^\/inbox\/(\d+)\/apply$/.exec(path);
  if (m && method === 'POST') {
    const id = rowId(m[1]);
    if (!id) {
      send(res, 404, notFoundPage('没有这封邮件。'));
      return true;
    }
    const form = await readForm(req);
    const by = form?.get('by')?.trim() || '督查室';
    try {
      await applyHeld(deps, id, by.slice(0, 50));
      res.writeHead(303, { location: `/inbox/${id}` }).end();
    } catch (err) {
      send(
        res,
        httpStatusOf(err) === 500 ? 500 : httpStatusOf(err),
        actionFailedPage('无法放行', messageOf(err), `/inbox/${id}`),
      );
    }
    return true;
  }
  m = /^\/inbox\/(\d+)$/.exec(path);
  if (m && method === 'GET') {
    const id = rowId(m[1]);
    const row = id
      ? await deps.prisma.inboundMessage.findUnique({
          where: { id },
          include: { attachments: { select: { id: true, filename: true, contentType: true, size: true } } },
        })
      : null;
    send(res, row ? 200 : 404, row ? inboxDetailPage(row) : notFoundPage('没有这封邮件。'));
    return true;
  }
  send(res, 404, notFoundPage(`页面不存在：${path}`));
  return true;
}
