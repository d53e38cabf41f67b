// The mail Duban sent, from the SentMail table (over SMTP as much as into the
// embedded catcher):
//   GET /mail             time, kind (交办/请报/催办/督办/…), unit, task, subject,
//                         delivery result; filtered by kind, unit, result, set, text
//   GET /mail/<id>        one mail: headers and its text
//   GET /mail/<id>.eml    the mail as sent (download recorded)
import { simpleParser } from 'mailparser';
import type { Prisma } from '../../../lib/db.ts';
import { BadInputError, NotFoundError } from '../../../lib/errors.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { rowId } from '../forms.ts';
import { MAIL_KIND_LABEL, MAIL_STATUS_LABEL } from '../views/task.ts';
import { mailDetailPage, mailListPage, type MailFilters } from '../views/mail.ts';

const PAGE_SIZE = 200;

export function mailRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  routes.add(
    'GET',
    '/mail',
    'reader',
    async (request, _reply, ctx) => {
      const q = request.query as Record<string, string | undefined>;
      const f: MailFilters = {
        kind: q.kind || undefined,
        unit: q.unit?.trim() || undefined,
        status: q.status || undefined,
        set: q.set?.trim() || undefined,
        q: q.q?.trim().slice(0, 100) || undefined,
        page: q.page ? Number(q.page) : 1,
      };
      if (f.kind && !MAIL_KIND_LABEL[f.kind]) throw new BadInputError(`邮件类型「${f.kind}」无效`);
      if (f.status && !MAIL_STATUS_LABEL[f.status]) throw new BadInputError(`投递结果「${f.status}」无效`);
      if (!Number.isInteger(f.page) || f.page < 1 || f.page > 100_000) throw new BadInputError('页码无效');
      const where: Prisma.SentMailWhereInput = {};
      if (f.kind) where.kind = f.kind;
      if (f.status) where.status = f.status;
      if (f.unit) where.unitName = f.unit;
      if (f.set) where.workflowId = { startsWith: `duban/${f.set}/` };
      if (f.q)
        where.OR = [
          { subject: { contains: f.q, mode: 'insensitive' } },
          { workflowId: { contains: f.q } },
          { toAddrs: { has: f.q } },
        ];
      const [rows, total, units] = await Promise.all([
        prisma.sentMail.findMany({
          where,
          orderBy: { id: 'desc' },
          take: PAGE_SIZE,
          skip: (f.page - 1) * PAGE_SIZE,
          select: {
            id: true,
            kind: true,
            workflowId: true,
            unitName: true,
            toAddrs: true,
            subject: true,
            sentAt: true,
            status: true,
            failure: true,
          },
        }),
        prisma.sentMail.count({ where }),
        prisma.sentMail.findMany({
          where: { unitName: { not: null } },
          distinct: ['unitName'],
          select: { unitName: true },
          orderBy: { unitName: 'asc' },
        }),
      ]);
      const tasks = await prisma.task.findMany({
        where: {
          workflowId: {
            in: [...new Set(rows.map((r) => r.workflowId).filter((w): w is string => Boolean(w)))],
          },
        },
        select: { id: true, workflowId: true, seq: true },
      });
      return mailListPage(ctx, {
        rows,
        total,
        pageSize: PAGE_SIZE,
        filters: f,
        units: units.map((u) => u.unitName!),
        tasks: new Map(tasks.map((t) => [t.workflowId, t])),
      });
    },
    'mail',
  );

  routes.add(
    'GET',
    '/mail/:id',
    'reader',
    async (request, reply, ctx) => {
      const param = (request.params as { id: string }).id;
      const raw = param.endsWith('.eml');
      const id = rowId(raw ? param.slice(0, -4) : param);
      const mail = id ? await prisma.sentMail.findUnique({ where: { id } }) : null;
      if (!mail) throw new NotFoundError('没有这封邮件。');
      if (raw) {
        if (!mail.raw) throw new NotFoundError('这封邮件没有保存原文。');
        await prisma.auditEvent.create({
          data: {
            actor: ctx.user.name,
            action: 'mail.download-raw',
            workflowId: mail.workflowId,
            details: { sentMailId: mail.id, messageId: mail.messageId },
          },
        });
        return void reply
          .type('message/rfc822')
          .header('content-disposition', `attachment; filename="sent-${mail.id}.eml"`)
          .send(Buffer.from(mail.raw));
      }
      const task = mail.workflowId
        ? await prisma.task.findUnique({
            where: { workflowId: mail.workflowId },
            select: { id: true, seq: true },
          })
        : null;
      // the text a person reads: decoded from its transfer encoding (base64, quoted-printable)
      const text = mail.raw
        ? ((await simpleParser(Buffer.from(mail.raw)).catch(() => null))?.text ??
          Buffer.from(mail.raw).toString('utf8'))
        : '（未保存原文）';
      return mailDetailPage(ctx, mail, task, text);
    },
    'mail',
  );
}
