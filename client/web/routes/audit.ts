// Who did what: the audit log (sign-ins, failed sign-ins, sign-outs, every
// change, downloads), newest first, filtered by person, action or task set.
//   GET /audit
import type { Prisma } from '../../../lib/db.ts';
import { BadInputError } from '../../../lib/errors.ts';
import { html } from '../../../lib/html.ts';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { chinaMinute, page } from '../layout.ts';

export const AUDIT_ACTION_LABEL: Record<string, string> = {
  'auth.sign-in': '登录',
  'auth.sign-in-failed': '登录失败',
  'auth.sign-in-locked': '登录被拒（已锁定）',
  'auth.sign-out': '退出',
  'user.add': '新建账号',
  'user.passwd': '重设密码',
  'user.disable': '停用账号',
  'user.enable': '启用账号',
  'import.upload': '上传表格',
  import: '导入',
  'set.start': '启动任务集',
  'inbox.apply-held': '放行待核实邮件',
  'inbox.reject-held': '拒收待核实邮件',
  'inbox.download-raw': '下载收件原文',
  'attachment.download': '下载附件',
  'mail.download-raw': '下载发件原文',
  'report.download': '下载报告',
  'task.ack': '登记签收',
  'task.return': '退回报告',
  'task.extension': '处理延期申请',
  'task.extend': '调整完成时限',
  'task.reassign': '改派',
  'task.suspend': '暂停',
  'task.resume': '恢复',
  'task.withdraw': '撤销',
  'task.verdict': '评定',
  'audit.view': '查看操作记录',
  'audit.timeline': '审计：查看时间线',
  'audit.replay': '审计：重放历史',
  'audit.verify': '审计：核对数据库与历史',
  'audit.export': '审计：导出归档',
};

export function auditRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  routes.add(
    'GET',
    '/audit',
    'reader',
    async (request, _reply, ctx) => {
      const q = request.query as Record<string, string | undefined>;
      const actor = q.actor?.trim() || undefined;
      const action = q.action?.trim() || undefined;
      const set = q.set?.trim() || undefined;
      if (action && !/^[\w.-]{1,60}$/.test(action)) throw new BadInputError(`操作类型「${action}」无效`);
      const where: Prisma.AuditEventWhereInput = {};
      if (actor) where.actor = actor;
      if (action) where.action = action;
      if (set) where.taskSetId = set;
      // reading the record is itself on the record (the table is append-only)
      await deps.db.prisma.auditEvent.create({
        data: {
          actor: request.user!.name,
          action: 'audit.view',
          taskSetId: set,
          details: { ...(actor ? { actor } : {}), ...(action ? { action } : {}) },
        },
      });
      const events = await deps.db.prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: 300 });
      return page(
        '操作记录',
        html`<h2>操作记录</h2><form class="filters" method="get" action="/audit"><label>人员<input name="actor" value="${actor ?? ''}"></label><label>操作<input name="action" value="${action ?? ''}" placeholder="如 task.extend"></label><label>任务集<input name="set" value="${set ?? ''}"></label><button type="submit">筛选</button> <a href="/audit">清除</a></form>
<table id="audit" class="cards"><tr><th>时间</th><th>人员</th><th>操作</th><th>对象</th><th>详情</th></tr>${events.map(
          (e) =>
            html`<tr data-action="${e.action}"><td class="nw" data-label="时间">${chinaMinute(e.at)}</td><td data-label="人员">${e.actor}</td><td data-label="操作">${AUDIT_ACTION_LABEL[e.action] ?? e.action}</td><td data-label="对象">${e.workflowId ?? e.taskSetId ?? ''}</td><td data-label="详情"><code>${JSON.stringify(e.details)}</code></td></tr>`,
        )}</table>`,
        ctx,
      );
    },
    'audit',
  );
}
