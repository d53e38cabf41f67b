// `duban task <动作> <workflowId | taskSetId/序号> … --by <经办人>`: the
// office's actions on one running task (see client/office/actions.ts), and
// `duban task show` for its current state as the workflow sees it.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { performOfficeAction, taskState, taskWorkflowId, type OfficeAction } from '../office/actions.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError, detailsOf, kindOf, messageOf } from '../../lib/errors.ts';
import type { Verdict } from '../../workflows/types.ts';

export const USAGE = [
  '用法：duban task <动作> <任务（duban/<任务集>/<序号> 或 <任务集>/<序号>）> [选项] --by <经办人>',
  '  show                                   查看任务当前状态',
  '  ack --unit <单位>                        登记签收（如电话签收）',
  '  return --report <报告编号> --reason <理由>   退回报告，该期重新报送',
  '  extension --key <申请编号> --approve|--refuse [--reason <理由>]   处理延期申请',
  '  extend --to <YYYY-MM-DD> --reason <理由>     调整完成时限',
  '  reassign --lead <单位、单位> [--co <单位>] --reason <理由>   改派',
  '  suspend|resume|withdraw --reason <理由>      暂停 / 恢复 / 撤销',
  '  verdict [--verdict 完成|部分完成|未完成] [--reason <理由>]   确认（不带 --verdict）或改定评定',
].join('\n');

const list = (v: string | undefined) =>
  (v ?? '')
    .split(/[、，,;；\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function need(value: string | undefined, flag: string): string {
  if (!value?.trim()) throw new BadInputError(`缺少 ${flag}\n${USAGE}`);
  return value.trim();
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values: v } = parseCommandArgs(
    args,
    {
      by: { type: 'string' },
      reason: { type: 'string' },
      unit: { type: 'string' },
      report: { type: 'string' },
      key: { type: 'string' },
      approve: { type: 'boolean' },
      refuse: { type: 'boolean' },
      to: { type: 'string' },
      lead: { type: 'string' },
      co: { type: 'string' },
      verdict: { type: 'string' },
    },
    USAGE,
  );
  const [action, ref] = positionals;
  if (!action || !ref || positionals.length > 2) throw new BadInputError(USAGE);
  const workflowId = taskWorkflowId(ref);
  let act: OfficeAction | undefined;
  switch (action) {
    case 'show':
      break;
    case 'ack':
      act = { action, unit: need(v.unit, '--unit') };
      break;
    case 'return':
      act = { action, reportKey: need(v.report, '--report'), reason: need(v.reason, '--reason') };
      break;
    case 'extension':
      if (Boolean(v.approve) === Boolean(v.refuse))
        throw new BadInputError(`请用 --approve 或 --refuse 之一\n${USAGE}`);
      act = {
        action,
        key: need(v.key, '--key'),
        approve: Boolean(v.approve),
        ...(v.reason ? { reason: v.reason } : {}),
      };
      break;
    case 'extend':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.to ?? ''))
        throw new BadInputError(`--to 应为日期 YYYY-MM-DD\n${USAGE}`);
      act = { action, newDeadline: v.to!, reason: need(v.reason, '--reason') };
      break;
    case 'reassign':
      act = {
        action,
        lead: list(need(v.lead, '--lead')),
        co: list(v.co),
        reason: need(v.reason, '--reason'),
      };
      break;
    case 'suspend':
    case 'resume':
    case 'withdraw':
      act = { action, reason: need(v.reason, '--reason') };
      break;
    case 'verdict':
      act = {
        action,
        ...(v.verdict ? { verdict: v.verdict as Verdict } : {}),
        ...(v.reason ? { reason: v.reason } : {}),
      };
      break;
    default:
      throw new BadInputError(`未知动作「${action}」\n${USAGE}`);
  }
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    if (!act) {
      const view = await taskState(client, workflowId);
      ctx.result(view, JSON.stringify(view, null, 2));
      return 0;
    }
    const db = await openDatabase(config, { migrate: false });
    try {
      const outcome = await performOfficeAction(
        { client, prisma: db.prisma },
        workflowId,
        act,
        need(v.by, '--by'),
      );
      ctx.result(
        { workflowId, action, ...outcome },
        outcome.duplicate ? `${workflowId}：此前已办理，未重复执行` : `${workflowId}：已办理（${action}）`,
      );
      return 0;
    } finally {
      await db.close();
    }
  } catch (err) {
    // On the command line a report or request that does not exist is a
    // mistake in the arguments (exit 2), whoever noticed it; a workflow that
    // does not exist is not found (exit 1), said in Chinese.
    if (kindOf(err) === 'NotFound' && detailsOf(err)?.missing !== 'workflow')
      throw new BadInputError(messageOf(err), { workflowId, action, ...detailsOf(err) }, { cause: err });
    throw err;
  } finally {
    await client.connection.close();
  }
}
