// Report downloads, rendered by client/report (the office's published form):
//   GET /reports                          every task set, its half-year and year-end reports
//   GET /reports/<set>/<midyear|final>.<md|html|xlsx|json>   one report (recorded);
//                                         ?download=1 saves the HTML instead of opening it
import { BadInputError, NotFoundError } from '../../../lib/errors.ts';
import { buildReport, type ReportKind } from '../../report/build.ts';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/render.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { REPORT_CSP } from '../security.ts';
import { reportsPage } from '../views/reports.ts';

const TYPES: Record<ReportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json; charset=utf-8',
};

export function reportRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  routes.add(
    'GET',
    '/reports',
    'reader',
    async (_request, _reply, ctx) => {
      const sets = await prisma.taskSet.findMany({
        orderBy: { createdAt: 'asc' },
        select: { id: true, name: true, year: true, _count: { select: { tasks: true } } },
      });
      return reportsPage(ctx, sets);
    },
    'reports',
  );

  routes.add('GET', '/reports/:set/:file', 'reader', async (request, reply, ctx) => {
    const { set, file } = request.params as { set: string; file: string };
    const m = /^(midyear|final)\.(\w+)$/.exec(file);
    const format = REPORT_FORMATS.find((f) => f === m?.[2]);
    if (!m || !format)
      throw new NotFoundError(
        `没有这份报告：${file}（应为 midyear 或 final，格式 ${REPORT_FORMATS.join('、')}）`,
      );
    const kind = m[1] as ReportKind;
    const asOf = (request.query as { asOf?: string }).asOf;
    if (asOf && !/^\d{4}-\d{2}-\d{2}$/.test(asOf))
      throw new BadInputError(`截止日期「${asOf}」应为 YYYY-MM-DD`);
    const rep = await buildReport(prisma, set, kind, asOf);
    if (!rep) throw new NotFoundError(`没有任务集「${set}」`);
    const body = await renderReport(rep, format);
    await prisma.auditEvent.create({
      data: {
        actor: ctx.user.name,
        action: 'report.download',
        taskSetId: set,
        details: { kind, format, asOf: asOf ?? null },
      },
    });
    const name = `${set}-${kind === 'final' ? '全年完成情况' : '半年完成情况'}.${format}`;
    const inline = format === 'html' && (request.query as { download?: string }).download !== '1';
    if (format === 'html') reply.header('content-security-policy', REPORT_CSP);
    reply
      .type(TYPES[format])
      .header(
        'content-disposition',
        `${inline ? 'inline' : 'attachment'}; filename="${set}-${kind}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      )
      .send(body);
  });
}
