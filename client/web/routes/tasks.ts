// One task, and the office's actions on it:
//   GET  /tasks/<id>               the task page: units and their 签收, requests,
//                                  reports with attachments, 延期申请, lights,
//                                  verdict, the mail thread, the timeline from
//                                  the workflow history, a link to the Temporal UI
//   POST /tasks/<id>/<action>      ack (签收 by phone), return (退回), extension
//                                  (decide a 延期申请), extend, reassign (改派),
//                                  suspend, resume, withdraw, verdict — each with
//                                  a reason, each answered by the workflow itself
//                                  (client/office/actions.ts, the CLI's path)
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BadInputError,
  httpStatusOf,
  kindOf,
  messageOf,
  NotFoundError,
  UnavailableError,
} from '../../../lib/errors.ts';
import { performOfficeAction, type OfficeAction } from '../../office/actions.ts';
import { timeline, type TimelineEntry } from '../../audit/timeline.ts';
import { stateQuery, type TaskView } from '../../../workflows/messages.ts';
import { VERDICTS, type Verdict } from '../../../workflows/types.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes, RouteContext } from '../routing.ts';
import { formOf, rowId, type Form } from '../forms.ts';
import { messagePage } from '../layout.ts';
import { ACTION_LABEL, taskPage, type TaskPageData } from '../views/task.ts';

export const TASK_ACTIONS = [
  'ack',
  'return',
  'extension',
  'extend',
  'reassign',
  'suspend',
  'resume',
  'withdraw',
  'verdict',
] as const;
export type TaskActionName = (typeof TASK_ACTIONS)[number];

/** Waits at most `ms` for a part that may be slow or away (Temporal), then goes on without it. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new UnavailableError(`${ms / 1000} 秒内无响应`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function loadTask(deps: DeskDeps, id: number) {
  const prisma = deps.db.prisma;
  const task = await prisma.task.findUnique({
    where: { id },
    include: {
      taskSet: true,
      assignments: {
        include: { unit: true },
        orderBy: [{ active: 'desc' }, { role: 'desc' }, { id: 'asc' }],
      },
      requests: { orderBy: [{ requestedAt: 'asc' }, { unitName: 'asc' }] },
      reports: { orderBy: { receivedAt: 'asc' } },
      escalations: { orderBy: { at: 'asc' } },
      lightChanges: { orderBy: { at: 'asc' } },
      verdict: true,
      extensions: { orderBy: { requestedAt: 'asc' } },
    },
  });
  if (!task) throw new NotFoundError(`没有编号为 ${id} 的任务`);
  return task;
}

async function pageData(deps: DeskDeps, id: number): Promise<TaskPageData> {
  const prisma = deps.db.prisma;
  const task = await loadTask(deps, id);
  const messageIds = task.reports.map((r) => r.inboundMessageId).filter((m): m is string => Boolean(m));
  const [sent, inbound, withAttachments] = await Promise.all([
    prisma.sentMail.findMany({
      where: { workflowId: task.workflowId },
      orderBy: { sentAt: 'asc' },
      select: {
        id: true,
        kind: true,
        unitName: true,
        subject: true,
        sentAt: true,
        status: true,
        failure: true,
        toAddrs: true,
      },
    }),
    prisma.inboundMessage.findMany({
      where: { workflowId: task.workflowId },
      orderBy: { receivedAt: 'asc' },
      select: {
        id: true,
        source: true,
        fromAddr: true,
        subject: true,
        receivedAt: true,
        outcome: true,
        reason: true,
        reportKey: true,
      },
    }),
    messageIds.length
      ? prisma.inboundMessage.findMany({
          where: { messageId: { in: messageIds } },
          select: {
            messageId: true,
            id: true,
            attachments: { select: { id: true, filename: true, size: true } },
          },
        })
      : Promise.resolve([]),
  ]);
  let view: TaskView | undefined;
  let entries: TimelineEntry[] | undefined;
  let temporalProblem: string | undefined;
  if (!deps.client) temporalProblem = '网页服务未连接 Temporal';
  else {
    const client = deps.client;
    const [v, t] = await Promise.allSettled([
      within(3000, client.workflow.getHandle(task.workflowId).query(stateQuery)),
      within(5000, timeline(client, task.workflowId)),
    ]);
    if (v.status === 'fulfilled') view = v.value;
    if (t.status === 'fulfilled') entries = t.value;
    const failed = [v, t].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && !(v.status === 'fulfilled' && t.status === 'fulfilled'))
      temporalProblem =
        kindOf(failed.reason) === 'NotFound'
          ? '任务工作流尚未启动或已不存在'
          : `暂时无法从 Temporal 读取：${kindOf(failed.reason) ? messageOf(failed.reason) : '读取失败'}`;
  }
  return {
    task,
    sent,
    inbound,
    attachments: new Map(
      withAttachments.map((m) => [m.messageId, { inboundId: m.id, files: m.attachments }]),
    ),
    view,
    timeline: entries,
    temporalProblem,
    temporalUi: deps.config.web.temporalUiUrl
      ? `${deps.config.web.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows/${encodeURIComponent(task.workflowId)}`
      : undefined,
  };
}

/** A reason the office writes: required, one paragraph. */
function reasonOf(form: Form, field = 'reason'): string {
  const reason = form.text(field).trim();
  if (!reason) throw new BadInputError('请写明理由。');
  if (reason.length > 500) throw new BadInputError('理由不能超过 500 个字。');
  return reason;
}

const names = (text: string) =>
  text
    .split(/[、，,;；\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The action as the form describes it; malformed → BadInput (400). */
function actionFrom(
  name: TaskActionName,
  form: Form,
  task: Awaited<ReturnType<typeof loadTask>>,
): OfficeAction {
  switch (name) {
    case 'ack': {
      const unit = form.text('unit').trim();
      if (!task.assignments.some((a) => a.active && a.unit.name === unit))
        throw new BadInputError(`「${unit || '（未选择）'}」不是本任务的承办单位`);
      return { action: 'ack', unit, reason: reasonOf(form) };
    }
    case 'return': {
      const reportKey = form.text('report').trim();
      if (!task.reports.some((r) => r.key === reportKey)) throw new BadInputError('没有这份报告');
      return { action: 'return', reportKey, reason: reasonOf(form) };
    }
    case 'extension': {
      const key = form.text('key').trim();
      const decision = form.text('decision');
      if (!task.extensions.some((e) => e.key === key)) throw new BadInputError('没有这份延期申请');
      if (decision !== 'approve' && decision !== 'refuse') throw new BadInputError('请选择同意或不同意');
      return { action: 'extension', key, approve: decision === 'approve', reason: reasonOf(form) };
    }
    case 'extend': {
      const date = form.text('deadline').trim();
      if (
        !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
        Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
        new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
      )
        throw new BadInputError(`新的完成时限「${date}」不是有效日期（YYYY-MM-DD）`);
      return { action: 'extend', newDeadline: date, reason: reasonOf(form) };
    }
    case 'reassign': {
      const lead = names(form.text('lead'));
      if (!lead.length) throw new BadInputError('请写明牵头单位');
      return { action: 'reassign', lead, co: names(form.text('co')), reason: reasonOf(form) };
    }
    case 'suspend':
    case 'resume':
    case 'withdraw':
      return { action: name, reason: reasonOf(form) };
    case 'verdict': {
      const choice = form.text('verdict');
      if (choice && !(VERDICTS as readonly string[]).includes(choice))
        throw new BadInputError(`评定应为 ${VERDICTS.join('、')} 之一`);
      return {
        action: 'verdict',
        ...(choice ? { verdict: choice as Verdict } : {}),
        reason: reasonOf(form),
      };
    }
  }
}

export function taskRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const idOf = (request: FastifyRequest) => {
    const id = rowId((request.params as { id?: string }).id);
    if (!id) throw new NotFoundError(`没有编号为 ${(request.params as { id?: string }).id} 的任务`);
    return id;
  };

  routes.add(
    'GET',
    '/tasks/:id',
    'reader',
    async (request, _reply, ctx) => {
      const done = (request.query as { done?: string }).done;
      const data = await pageData(deps, idOf(request));
      return taskPage(ctx, data, done && done in ACTION_LABEL ? (done as TaskActionName) : undefined);
    },
    'dashboard',
  );

  for (const name of TASK_ACTIONS) {
    routes.add(
      'POST',
      `/tasks/:id/${name}`,
      'office',
      async (request, reply: FastifyReply, ctx: RouteContext) => {
        const id = idOf(request);
        const back = `/tasks/${id}`;
        try {
          const task = await loadTask(deps, id);
          const act = actionFrom(name, formOf(request), task);
          if (!deps.client) throw new UnavailableError('网页服务未连接 Temporal，无法办理');
          const outcome = await performOfficeAction(
            { client: deps.client, prisma: deps.db.prisma },
            task.workflowId,
            act,
            ctx.user.name,
          );
          if (!outcome.accepted) {
            reply.code(409);
            return messagePage('无法办理', `任务工作流未接受：${outcome.reason ?? '原因不明'}`, ctx, back);
          }
          return void reply.redirect(`${back}?done=${name}${outcome.duplicate ? '&duplicate=1' : ''}`, 303);
        } catch (err) {
          if (!kindOf(err)) throw err;
          reply.code(httpStatusOf(err));
          return messagePage(`无法办理：${ACTION_LABEL[name]}`, messageOf(err), ctx, back);
        }
      },
    );
  }
}
