// The office's actions on a running task — 签收 recorded by hand, 退回,
// deciding a 延期申请, moving the deadline, 改派, 暂停 / 恢复, 撤销, and the
// verdict — sent to the task's workflow as updates (so a refusal comes back
// at once, with its reason) and recorded in the audit log with who did it.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PrismaClient } from '../../lib/db.ts';
import {
  acknowledgeSignal,
  decideExtensionUpdate,
  extendDeadlineUpdate,
  officeVerdictUpdate,
  reassignUpdate,
  resumeUpdate,
  returnReportUpdate,
  stateQuery,
  suspendUpdate,
  withdrawUpdate,
  type TaskView,
} from '../../workflows/messages.ts';
import { VERDICTS, type ReportOutcome, type UnitRef, type Verdict } from '../../workflows/types.ts';
import {
  BadInputError,
  DubanError,
  NotFoundError,
  RefusedError,
  kindOf,
  messageOf,
} from '../../lib/errors.ts';

export type OfficeAction =
  | { action: 'ack'; unit: string; reason?: string }
  | { action: 'return'; reportKey: string; reason: string }
  | { action: 'extension'; key: string; approve: boolean; reason?: string }
  | { action: 'extend'; newDeadline: string; reason: string }
  | { action: 'reassign'; lead: string[]; co: string[]; reason: string }
  | { action: 'suspend' | 'resume' | 'withdraw'; reason: string }
  | { action: 'verdict'; verdict?: Verdict; reason?: string };

/** `duban/<set>/<序号>` as given, or `<set>/<序号>` completed. */
export function taskWorkflowId(ref: string): string {
  return ref.startsWith('duban/') ? ref : `duban/${ref}`;
}

async function unitRefs(prisma: PrismaClient, taskSetId: string, names: string[]): Promise<UnitRef[]> {
  const units = await prisma.unit.findMany({ where: { taskSetId, name: { in: names } } });
  const missing = names.filter((n) => !units.some((u) => u.name === n));
  if (missing.length) throw new BadInputError(`单位名录中没有：${missing.join('、')}`, { units: missing });
  const groups = units.filter((u) => u.type === '集合').map((g) => g.name);
  if (groups.length)
    throw new BadInputError(`${groups.join('、')} 是单位集合，不能直接承办；请改派给具体单位`, {
      units: groups,
    });
  return names.map((name) => {
    const unit = units.find((u) => u.name === name)!;
    return { name: unit.name, emails: unit.emails, leaderEmails: unit.leaderEmails };
  });
}

/**
 * What the workflow's answer means to the office: a refusal by a validator
 * keeps its kind (BadInput, NotFound, Refused, Conflict) and its Chinese
 * reason; a workflow that is not running cannot act.
 */
function workflowRefusal(err: unknown, workflowId: string, action: OfficeAction['action']): unknown {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = messageOf(err.cause ?? err);
    // a worker still on code from before the failure kinds refuses without one: a refusal all the same
    return new DubanError(
      kindOf(err) ?? 'Refused',
      `任务工作流拒绝：${reason}`,
      { workflowId, action, accepted: false, reason },
      { cause: err },
    );
  }
  if (err instanceof WorkflowNotFoundError) {
    return new RefusedError(
      `任务「${workflowId}」的工作流未在运行（尚未启动或已结束），不能办理`,
      { workflowId, action, accepted: false },
      { cause: err },
    );
  }
  return err;
}

export async function performOfficeAction(
  deps: { client: Client; prisma: PrismaClient },
  workflowId: string,
  act: OfficeAction,
  by: string,
): Promise<ReportOutcome> {
  const task = await deps.prisma.task.findUnique({ where: { workflowId } });
  if (!task) throw new NotFoundError(`没有任务「${workflowId}」`, { workflowId });
  if (!by.trim()) throw new BadInputError('请用 --by 写明经办人');
  if (act.action === 'verdict' && act.verdict && !VERDICTS.includes(act.verdict))
    throw new BadInputError(`评定应为 ${VERDICTS.join('、')} 之一，收到「${act.verdict}」`);
  const handle = deps.client.workflow.getHandle(workflowId);
  let outcome: ReportOutcome;
  try {
    switch (act.action) {
      case 'ack':
        await handle.signal(acknowledgeSignal, { unit: act.unit, channel: 'cli', receivedAt: Date.now() });
        outcome = { accepted: true };
        break;
      case 'return':
        outcome = await handle.executeUpdate(returnReportUpdate, {
          args: [{ reportKey: act.reportKey, reason: act.reason, by }],
        });
        break;
      case 'extension':
        outcome = await handle.executeUpdate(decideExtensionUpdate, {
          args: [{ key: act.key, approve: act.approve, by, ...(act.reason ? { reason: act.reason } : {}) }],
        });
        break;
      case 'extend':
        outcome = await handle.executeUpdate(extendDeadlineUpdate, {
          args: [{ newDeadline: act.newDeadline, reason: act.reason, approver: by }],
        });
        break;
      case 'reassign':
        outcome = await handle.executeUpdate(reassignUpdate, {
          args: [
            {
              lead: await unitRefs(deps.prisma, task.taskSetId, act.lead),
              co: await unitRefs(deps.prisma, task.taskSetId, act.co),
              reason: act.reason,
              by,
            },
          ],
        });
        break;
      case 'suspend':
      case 'resume':
      case 'withdraw': {
        const update = { suspend: suspendUpdate, resume: resumeUpdate, withdraw: withdrawUpdate }[act.action];
        outcome = await handle.executeUpdate(update, { args: [{ reason: act.reason, by }] });
        break;
      }
      case 'verdict':
        outcome = await handle.executeUpdate(officeVerdictUpdate, {
          args: [
            {
              ...(act.verdict ? { verdict: act.verdict } : {}),
              ...(act.reason ? { reason: act.reason } : {}),
              by,
            },
          ],
        });
        break;
    }
  } catch (err) {
    throw workflowRefusal(err, workflowId, act.action);
  }
  await deps.prisma.auditEvent.create({
    data: {
      actor: by,
      action: `task.${act.action}`,
      taskSetId: task.taskSetId,
      workflowId,
      details: { ...act, outcome } as object,
    },
  });
  return outcome;
}

export async function taskState(client: Client, workflowId: string): Promise<TaskView> {
  try {
    return await client.workflow.getHandle(workflowId).query(stateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new NotFoundError(
        `没有任务工作流「${workflowId}」`,
        { workflowId, missing: 'workflow' },
        { cause: err },
      );
    throw err;
  }
}
