// Reading workflow histories for auditors: every run of a workflow id (a
// continued-as-new task has several), with payloads decoded.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
// @temporalio/proto is CommonJS: Node's ESM loader only offers its default export.
import proto from '@temporalio/proto';

const { temporal } = proto;

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
export type History = proto.temporal.api.history.v1.IHistory;
export const EventType = temporal.api.enums.v1.EventType;

export interface Run {
  workflowId: string;
  runId: string;
  startTime: Date;
  history: History;
}

/**
 * Every run of one workflow id's current chain, oldest first: the latest run,
 * then back through each run's `continuedExecutionRunId` (continue-as-new).
 * Needs no visibility store, so it works on the time-skipping server too.
 */
export async function fetchRuns(client: Client, workflowId: string): Promise<Run[]> {
  const runs: Run[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const started: HistoryEvent | undefined = history.events?.[0];
    runs.push({ workflowId, runId, startTime: started ? eventTime(started) : new Date(0), history });
    runId = started?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs.reverse();
}

/**
 * Every run (continued-as-new runs each count) of Duban's task workflows, from
 * the visibility store: one list call instead of a describe per workflow.
 */
export async function listTaskRuns(
  client: Client,
  taskSetId?: string,
): Promise<{ workflowId: string; runId: string }[]> {
  const prefix = taskSetId ? `duban/${taskSetId}/` : 'duban/';
  const runs: { workflowId: string; runId: string }[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowId STARTS_WITH "${prefix.replace(/"/g, '\\"')}"`,
  }))
    runs.push({ workflowId: wf.workflowId, runId: wf.runId });
  return runs.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.runId.localeCompare(b.runId));
}

export function decodePayloads(
  payloads: proto.temporal.api.common.v1.IPayloads | null | undefined,
): unknown[] {
  return (payloads?.payloads ?? []).map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p as never);
    } catch {
      return '〈无法解码〉';
    }
  });
}

export function eventTime(e: HistoryEvent): Date {
  const t = e.eventTime;
  const seconds = Number(t?.seconds ?? 0);
  const nanos = Number(t?.nanos ?? 0);
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}

/** The inputs of every activity of this type that completed, in history order. */
export function completedActivityInputs(history: History, activityType: string): unknown[][] {
  const scheduled = new Map<string, unknown[]>();
  const out: unknown[][] = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s && s.activityType?.name === activityType) scheduled.set(String(e.eventId), decodePayloads(s.input));
    const c = e.activityTaskCompletedEventAttributes;
    if (c) {
      const input = scheduled.get(String(c.scheduledEventId));
      if (input) out.push(input);
    }
  }
  return out;
}
