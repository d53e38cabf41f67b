// The units' reply form, reached by the signed token in a mail:
//   GET  /reply/<token>             the form, with the task and the period it answers
//   POST /reply/<token>             the report (with attachments; from the 交办 notice's
//                                   link, the 签收 too), answered at once with the workflow's decision
//   POST /reply/<token>/extension   a 延期申请, answered the same way
// The token is the unit's key: a forged, expired or cut-off one gets a page
// that says so, and nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { splitWorkflowId, type InboundDeps } from '../../../lib/inbound/ingest.ts';
import { verifyReplyToken, type ReplyClaims } from '../../../lib/mail/tokens.ts';
import { html, type Raw } from '../../../lib/html.ts';
import { formOf } from '../forms.ts';
import { readExtensionForm, readReplyForm, submitWebExtension, submitWebReply } from '../web-reply.ts';
import {
  errorsBox,
  outcomeBox,
  refusedTokenPage,
  replyFormPage,
  replyPage,
  type ExtensionFormValues,
  type ReplyFormInfo,
  type ReplyFormValues,
} from '../views/reply.ts';
import { NOTICE_PERIOD, OPEN_PERIOD } from '../../../workflows/types.ts';

/** How the form names the period a token is for. */
function periodLabel(period: string): string {
  if (period === NOTICE_PERIOD) return '交办签收（有正在报送的期次时一并报送）';
  if (period === OPEN_PERIOD) return '当前正在报送的期次';
  return period === 'final' ? '最终报告' : period;
}

const HTML = 'text/html; charset=utf-8';

async function formInfo(deps: InboundDeps, claims: ReplyClaims): Promise<ReplyFormInfo> {
  const task = await deps.prisma.task.findUnique({
    where: { workflowId: claims.workflowId },
    include: { taskSet: true },
  });
  const request =
    task && claims.period !== NOTICE_PERIOD && claims.period !== OPEN_PERIOD
      ? await deps.prisma.request.findFirst({
          where: { taskId: task.id, unitName: claims.unit, period: claims.period },
        })
      : null;
  const ids = splitWorkflowId(claims.workflowId);
  const rows: [string, string][] = [
    ['单位', claims.unit],
    ['任务', task ? `第${task.seq}项：${task.text}` : `第${ids?.seq ?? ''}项`],
    ...(task ? ([['完成时限', task.deadline.toISOString().slice(0, 10)]] as [string, string][]) : []),
    ['报送周期', periodLabel(claims.period)],
    ...(request ? ([['截止日期', request.dueAt.toISOString().slice(0, 10)]] as [string, string][]) : []),
  ];
  return {
    heading: task ? `${task.taskSet.year}年${task.taskSet.name}` : '工作任务进展报送',
    rows,
    notice: claims.period === NOTICE_PERIOD,
    ...(task ? { deadline: task.deadline.toISOString().slice(0, 10) } : {}),
  };
}

async function form(
  deps: InboundDeps,
  token: string,
  claims: ReplyClaims,
  values?: ReplyFormValues,
  message?: Raw,
  extension?: { values?: ExtensionFormValues; message?: Raw },
): Promise<string> {
  return replyFormPage(
    token,
    await formInfo(deps, claims),
    values,
    message,
    extension?.values,
    extension?.message,
  );
}

/** GET and POST /reply/<token> on the units' listener (Fastify; multipart for attachments). */
export function replyRoutes(app: FastifyInstance, deps: InboundDeps): void {
  const claimsOf = (request: FastifyRequest, reply: FastifyReply) => {
    const raw = (request.params as { token?: string }).token ?? '';
    // one spelling only, as Duban wrote it in the mail (lower case): no other spelling opens the form
    const token = /^[a-z2-7]{1,400}$/.test(raw) ? raw : '';
    const verified = verifyReplyToken(token, deps.config.tokens.secret, deps.now?.() ?? Date.now());
    if (!verified.ok) {
      void reply.code(403).type(HTML).send(refusedTokenPage(verified.reason));
      return null;
    }
    return { token, claims: verified.claims };
  };

  app.get('/reply/:token', async (request, reply) => {
    const found = claimsOf(request, reply);
    if (!found) return reply;
    return reply.type(HTML).send(await form(deps, found.token, found.claims));
  });

  app.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/reply/:token',
    handler: async (_request, reply) =>
      reply
        .code(405)
        .header('allow', 'GET, POST')
        .type(HTML)
        .send(replyPage('不支持', html`<p>不支持的请求方法。</p>`)),
  });

  app.post('/reply/:token', async (request, reply) => {
    const found = claimsOf(request, reply);
    if (!found) return reply;
    const { token, claims } = found;
    const posted = formOf(request);
    const fields = new URLSearchParams();
    for (const name of ['status', 'percent', 'text', 'reason'])
      if (posted.has(name)) fields.set(name, posted.text(name));
    const attachments = posted.files('attachments');
    const { values, errors, percent } = readReplyForm(fields);
    if (errors.length) {
      return reply
        .code(400)
        .type(HTML)
        .send(await form(deps, token, claims, values, errorsBox(errors)));
    }
    const result = await submitWebReply(deps, token, claims, values, percent, request.ip, attachments);
    if (!result.delivered) {
      const box = errorsBox([`暂时无法提交：${result.reason}。请稍后重试，或直接回复邮件。`]);
      return reply
        .code(503)
        .type(HTML)
        .send(await form(deps, token, claims, values, box));
    }
    const { outcome } = result;
    const signed = result.acknowledged ? '已签收。' : '';
    const box = outcome.accepted
      ? outcomeBox(
          true,
          `${signed}${outcome.duplicate ? '这份报告此前已提交，未重复登记。' : '报送成功，督查室已收到。'}`,
        )
      : result.acknowledged
        ? outcomeBox(true, `${signed}进展未作为报告登记：${outcome.reason ?? '原因不明'}`)
        : outcomeBox(false, `报送未被接收：${outcome.reason ?? '原因不明'}`);
    // 409: the workflow refused it (a closed period, a unit not on the task); a 签收 is taken all the same
    return reply
      .code(outcome.accepted || result.acknowledged ? 200 : 409)
      .type(HTML)
      .send(await form(deps, token, claims, outcome.accepted ? {} : values, box));
  });

  // the 延期申请 section of the form
  app.post('/reply/:token/extension', async (request, reply) => {
    const found = claimsOf(request, reply);
    if (!found) return reply;
    const { token, claims } = found;
    const posted = formOf(request);
    const fields = new URLSearchParams();
    for (const name of ['newDeadline', 'reason']) if (posted.has(name)) fields.set(name, posted.text(name));
    const { values, errors } = readExtensionForm(fields);
    const page = async (code: number, message: Raw, shown: ExtensionFormValues = values) =>
      reply
        .code(code)
        .type(HTML)
        .send(await form(deps, token, claims, {}, undefined, { values: shown, message }));
    if (errors.length) return page(400, errorsBox(errors));
    const result = await submitWebExtension(deps, token, claims, values, request.ip);
    if (!result.delivered)
      return page(503, errorsBox([`暂时无法提交：${result.reason}。请稍后重试，或直接回复邮件。`]));
    const { outcome } = result;
    if (!outcome.accepted)
      return page(409, outcomeBox(false, `延期申请未被受理：${outcome.reason ?? '原因不明'}`));
    return page(
      200,
      outcomeBox(
        true,
        outcome.duplicate
          ? '这份延期申请此前已提交，未重复登记。'
          : `延期申请已提交（申请延至 ${values.newDeadline}），督查室审批后将以邮件回复。`,
      ),
      {},
    );
  });
}
