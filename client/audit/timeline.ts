// `duban audit timeline <workflowId>`: a task's story, told from its history
// (every run, continued-as-new included), in Chinese: what arrived (reports,
// office actions), what the workflow did (mails, 催办/督办, lights, verdict),
// and when, in China time.
import type { Client } from '@temporalio/client';
import type { Effect, EffectBatch, SendMailInput } from '../../workflows/effects.ts';
import { decodePayloads, eventTime, fetchRuns, EventType, type HistoryEvent } from './history.ts';

export interface TimelineEntry {
  /** ISO time of the history event (server clock) */
  at: string;
  runId: string;
  eventId: number;
  kind: string;
  /** one line, Chinese */
  summary: string;
  details?: unknown;
}

const china = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

const LEVEL: Record<string, string> = { reminder1: '催办', reminder2: '再次催办', escalation: '督办' };
const LIGHT: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };
const MAIL: Record<string, string> = {
  notice: '交办通知',
  request: '请报进度',
  reminder: '催办',
  escalation: '督办',
  verdict: '评定通知',
  returned: '退回',
  extension: '延期决定',
  'extension-filed': '延期申请',
  withdrawn: '撤销通知',
  other: '通知',
};

function describeEffect(workflowId: string, e: Effect): string {
  switch (e.type) {
    case 'mail':
      return `发送${MAIL[e.mail.kind] ?? e.mail.kind}邮件 → ${e.mail.unit?.name ?? '督查室'}${e.mail.toOffice ? '（抄送督查室）' : ''}（${workflowId}/${e.mail.step}）`;
    case 'request':
      return `${e.period} 请报：${e.units.join('、')}，${e.dueOn} 前报送`;
    case 'report':
      return `${e.accepted ? '采纳' : '拒收'}报告：${e.report.unit}，${e.report.period}，${e.report.status}${e.report.percent != null ? ` ${e.report.percent}%` : ''}${e.refusalReason ? `（${e.refusalReason}）` : ''}`;
    case 'reopen':
      return `退回 ${e.unit} 的 ${e.period} 报告：${e.reason}，重新报送至 ${e.dueOn}`;
    case 'due-moved':
      return `${e.unit} 的 ${e.period} 报送期限顺延至 ${e.dueOn}：${e.reason}`;
    case 'extended':
      return `完成时限延至 ${e.deadline}：${e.reason}`;
    case 'escalation':
      return `${LEVEL[e.level] ?? e.level}：${e.unit}，${e.period}`;
    case 'light':
      return `亮灯 ${LIGHT[e.from] ?? e.from} → ${LIGHT[e.to] ?? e.to}：${e.cause}`;
    case 'assignments':
      return `分工：牵头 ${e.lead.join('、') || '无'}；配合 ${e.co.join('、') || '无'}`;
    case 'task':
      return `任务状态 ${e.state}，${LIGHT[e.light] ?? e.light}${e.nextDue ? `，下次截止 ${e.nextDue}` : ''}`;
    case 'verdict':
      return `评定：${e.final}（拟定 ${e.proposed}，${e.decidedBy === 'office' ? (e.overridden ? '督查室改定' : '督查室确认') : '期满按拟定'}）：${e.reason}`;
    case 'acknowledged':
      return `签收：${e.unit}（${e.channel}）`;
    case 'extension':
      return `延期申请 ${e.key}：${e.unit} 申请延至 ${e.newDeadline}，${{ pending: '待审批', approved: '同意', refused: '不同意' }[e.status]}${e.decidedBy ? `（${e.decidedBy}${e.decisionReason ? `：${e.decisionReason}` : ''}）` : ''}`;
  }
}

/** Signals and updates by the names people use for them (the history keeps the code's names). */
const MESSAGE_NAMES: Record<string, string> = {
  report: '报送',
  submitReport: '报送',
  acknowledge: '签收',
  returnReport: '退回报送',
  requestExtension: '延期申请',
  decideExtension: '审批延期申请',
  extendDeadline: '延长完成时限',
  reassign: '改派',
  suspend: '暂停',
  resume: '恢复',
  withdraw: '撤销任务',
  officeVerdict: '督查室评定',
};
export const messageName = (name: string) => MESSAGE_NAMES[name] ?? name;

function entriesFor(workflowId: string, runId: string, events: HistoryEvent[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const scheduled = new Map<string, { name: string; input: unknown[] }>();
  const push = (e: HistoryEvent, kind: string, summary: string, details?: unknown) =>
    out.push({ at: china(eventTime(e)), runId, eventId: Number(e.eventId), kind, summary, details });
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const [input] = decodePayloads(e.workflowExecutionStartedEventAttributes?.input) as [
          Record<string, unknown> | undefined,
        ];
        const carried = input && 'carried' in input && input.carried;
        push(
          e,
          'started',
          carried
            ? '续新运行（continue-as-new），承接原状态'
            : `启动：第 ${String(input?.seq ?? '?')} 项，完成时限 ${String(input?.deadline ?? '?')}`,
        );
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const a = e.workflowExecutionSignaledEventAttributes!;
        push(e, 'signal', `收到：${messageName(a.signalName ?? '')}`, decodePayloads(a.input)[0]);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const a = e.workflowExecutionUpdateAcceptedEventAttributes!;
        push(
          e,
          'update',
          `受理：${messageName(a.acceptedRequest?.input?.name ?? '')}`,
          decodePayloads(a.acceptedRequest?.input?.args)[0],
        );
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const a = e.workflowExecutionUpdateCompletedEventAttributes!;
        const outcome = a.outcome?.success
          ? decodePayloads(a.outcome.success)[0]
          : a.outcome?.failure?.message;
        push(e, 'update-done', `操作完成`, outcome);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes!;
        scheduled.set(String(e.eventId), {
          name: a.activityType?.name ?? '',
          input: decodePayloads(a.input),
        });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const s = scheduled.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (s?.name === 'applyEffects') {
          const batch = s.input[0] as EffectBatch;
          for (const effect of batch.effects) push(e, effect.type, describeEffect(workflowId, effect));
        } else if (s?.name === 'sendMail') {
          const { mail } = s.input[0] as SendMailInput;
          push(e, 'mail', describeEffect(workflowId, { type: 'mail', mail }));
        } else if (s) push(e, 'activity', `活动 ${s.name} 完成`);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        push(
          e,
          'activity-failed',
          `活动失败（将按策略重试）：${e.activityTaskFailedEventAttributes?.failure?.message ?? '超时'}`,
        );
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        push(e, 'continued', '历史过长，续新运行（continue-as-new）');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        push(
          e,
          'completed',
          '工作流结束',
          decodePayloads(e.workflowExecutionCompletedEventAttributes?.result)[0],
        );
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        push(e, 'failed', `工作流失败：${e.workflowExecutionFailedEventAttributes?.failure?.message ?? ''}`);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        push(e, 'terminated', `工作流被终止：${e.workflowExecutionTerminatedEventAttributes?.reason ?? ''}`);
        break;
      default:
        break;
    }
  }
  return out;
}

export async function timeline(client: Client, workflowId: string): Promise<TimelineEntry[]> {
  return timelineOfRuns(workflowId, await fetchRuns(client, workflowId));
}

/** The timeline of runs already fetched (or read from an archive). */
export function timelineOfRuns(
  workflowId: string,
  runs: { runId: string; history: { events?: HistoryEvent[] | null } }[],
): TimelineEntry[] {
  return runs.flatMap((r) => entriesFor(workflowId, r.runId, r.history.events ?? []));
}
