// The office's inbox:
//   GET  /inbox                    every message: outcome (as the workflow decided), reason, sender, subject (?outcome= filters)
//   GET  /inbox/<id>               one message, with its raw text and attachments
//   GET  /inbox/<id>.eml           the raw message (download recorded)
//   GET  /inbox/attachment/<id>    an attachment as received (download recorded)
//   POST /inbox/<id>/apply         the office lets a held reply through (lib/inbound applyHeld)
//   POST /inbox/<id>/reject        the office refuses a held reply, with a reason (rejectHeld)
import { applyHeld, rejectHeld } from '../../../lib/inbound/ingest.ts';
import { BadInputError, httpStatusOf, kindOf, messageOf, NotFoundError } from '../../../lib/errors.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { formOf, rowId } from '../forms.ts';
import { messagePage } from '../layout.ts';
import { OUTCOME_LABEL, inboxDetailPage, inboxListPage, type ReportDecision } from '../views/inbox.ts';

/** An attachment's name for Content-Disposition: ASCII fallback plus the UTF-8 name. */
export function attachmentDisposition(fallback: string, filename: string): string {
  return `attachment; filename="${fallback.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function inboxRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;
  const decisionsFor = async (keys: (string | null)[]) => {
    const wanted = keys.filter((k): k is string => Boolean(k));
    const rows: ReportDecision[] = wanted.length
      ? await prisma.report.findMany({
          where: { key: { in: wanted } },
          select: { key: true, accepted: true, refusalReason: true },
        })
      : [];
    return new Map(rows.map((r) => [r.key, r]));
  };

  routes.add(
    'GET',
    '/inbox',
    'reader',
    async (request, _reply, ctx) => {
      const outcome = (request.query as { outcome?: string }).outcome;
      if (outcome && !OUTCOME_LABEL[outcome])
        throw new BadInputError(
          `结果筛选「${outcome}」无效：应为 ${Object.keys(OUTCOME_LABEL).join('、')} 之一`,
        );
      const [rows, groups, failing] = await Promise.all([
        prisma.inboundMessage.findMany({
          where: outcome ? { outcome } : {},
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
            reportKey: true,
            _count: { select: { attachments: true } },
          },
        }),
        prisma.inboundMessage.groupBy({ by: ['outcome'], _count: { _all: true } }),
        prisma.addressHealth.findMany({
          where: { failing: true },
          orderBy: { lastBounce: 'desc' },
          take: 100,
        }),
      ]);
      const counts = Object.fromEntries(groups.map((g) => [g.outcome, g._count._all]));
      return inboxListPage(
        ctx,
        rows.map(({ _count, ...r }) => ({ ...r, attachments: _count.attachments })),
        await decisionsFor(rows.map((r) => r.reportKey)),
        counts,
        failing,
      );
    },
    'inbox',
  );

  routes.add('GET', '/inbox/attachment/:id', 'reader', async (request, reply, ctx) => {
    const id = rowId((request.params as { id: string }).id);
    const a = id ? await prisma.attachment.findUnique({ where: { id } }) : null;
    if (!a || !a.content) throw new NotFoundError('没有这个附件。');
    await prisma.auditEvent.create({
      data: {
        actor: ctx.user.name,
        action: 'attachment.download',
        details: { attachmentId: a.id, inboundId: a.inboundMessageId, filename: a.filename },
      },
    });
    reply
      .type('application/octet-stream')
      .header('content-disposition', attachmentDisposition(`attachment-${a.id}`, a.filename))
      .send(Buffer.from(a.content));
  });

  routes.add(
    'GET',
    '/inbox/:id',
    'reader',
    async (request, reply, ctx) => {
      const param = (request.params as { id: string }).id;
      const raw = param.endsWith('.eml');
      const id = rowId(raw ? param.slice(0, -4) : param);
      if (raw) {
        const row = id
          ? await prisma.inboundMessage.findUnique({ where: { id }, select: { raw: true, messageId: true } })
          : null;
        if (!row) throw new NotFoundError('没有这封邮件。');
        await prisma.auditEvent.create({
          data: {
            actor: ctx.user.name,
            action: 'inbox.download-raw',
            details: { inboundId: id, messageId: row.messageId },
          },
        });
        return void reply
          .type('message/rfc822')
          .header('content-disposition', `attachment; filename="inbound-${id}.eml"`)
          .send(Buffer.from(row.raw));
      }
      const row = id
        ? await prisma.inboundMessage.findUnique({
            where: { id },
            include: { attachments: { select: { id: true, filename: true, contentType: true, size: true } } },
          })
        : null;
      if (!row) throw new NotFoundError('没有这封邮件。');
      const [decisions, task] = await Promise.all([
        decisionsFor([row.reportKey]),
        row.workflowId
          ? prisma.task.findUnique({ where: { workflowId: row.workflowId }, select: { id: true } })
          : null,
      ]);
      return inboxDetailPage(ctx, row, row.reportKey ? decisions.get(row.reportKey) : undefined, task?.id);
    },
    'inbox',
  );

  const decide = (verb: 'apply' | 'reject') =>
    routes.add('POST', `/inbox/:id/${verb}`, 'office', async (request, reply, ctx) => {
      const param = (request.params as { id: string }).id;
      const id = rowId(param);
      const back = `/inbox/${id ?? ''}`;
      try {
        if (!id) throw new NotFoundError(`没有编号为 ${param} 的收件`);
        if (verb === 'apply') await applyHeld(deps.inbound, id, ctx.user.name);
        else {
          const reason = formOf(request).text('reason').trim();
          if (!reason) throw new BadInputError('请写明拒收理由。');
          await rejectHeld(deps.inbound, id, ctx.user.name, reason.slice(0, 500));
        }
        return void reply.redirect(back, 303);
      } catch (err) {
        if (!kindOf(err)) throw err;
        reply.code(httpStatusOf(err));
        return messagePage(verb === 'apply' ? '无法放行' : '无法拒收', messageOf(err), ctx, back);
      }
    });
  decide('apply');
  decide('reject');
}
