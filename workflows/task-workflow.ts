// One durable workflow per task: 交办 → 请报 each period → 催办 → 督办 → 评定.
// The loop is "do what is due, apply the effects, sleep until the next thing
// on the agenda or until a person acts" (condition with a timeout), so a
// report, an extension or a pause simply changes the agenda. All decisions are
// in TaskMachine (state.ts); all side effects go through one activity.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { searchAttributes } from './search-attributes.ts';
import type { createActivities } from '../activities/apply-effects.ts';
import { TaskMachine, type TaskResult, type TaskWorkflowInput } from './state.ts';
import {
  acknowledgeSignal,
  decideExtensionUpdate,
  extendDeadlineUpdate,
  officeVerdictUpdate,
  reassignUpdate,
  reportSignal,
  requestExtensionSignal,
  requestExtensionUpdate,
  resumeUpdate,
  returnReportUpdate,
  stateQuery,
  submitReportUpdate,
  suspendUpdate,
  withdrawUpdate,
} from './messages.ts';

export type { TaskResult, TaskWorkflowInput } from './state.ts';

const { applyEffects } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskResult> {
  const offset = input.clockOffsetMs ?? 0;
  const now = () => Date.now() + offset;
  const workflowId = workflowInfo().workflowId;
  const m = new TaskMachine(input, workflowId, now());
  installHandlers(m, now);

  const flush = async () => {
    while (m.d.effects.length) await applyEffects({ workflowId, task: m.brief, effects: m.takeEffects() });
  };
  let attrs = '';
  let lead = m.d.lead.map((u) => u.name).join('、');
  const syncSearchAttributes = () => {
    if (input.searchAttributes === false) return;
    const base = `${m.d.light}|${m.stateWord(now())}`;
    const names = m.d.lead.map((u) => u.name);
    const pairs: SearchAttributeUpdatePair[] = [];
    if (base !== attrs) {
      pairs.push(
        { key: searchAttributes.light, value: m.d.light },
        { key: searchAttributes.status, value: m.stateWord(now()) },
      );
    }
    // added after the first histories were recorded: the patch keeps them replaying
    if (names.join('、') !== lead && patched('lead-unit-search-attribute')) {
      lead = names.join('、');
      pairs.push({ key: searchAttributes.leadUnits, value: names });
    }
    if (!pairs.length) return;
    attrs = base;
    upsertSearchAttributes(pairs);
  };

  while (!m.closed) {
    m.changed = false;
    m.advance(now());
    await flush();
    syncSearchAttributes();
    if (m.closed) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof taskWorkflow>({ ...input, carried: m.d });
    }
    const next = m.nextWake();
    if (next === undefined) await condition(() => m.changed);
    else await condition(() => m.changed, Math.max(next - now(), 1));
  }
  await flush();
  syncSearchAttributes();
  return {
    workflowId,
    seq: input.seq,
    outcome: m.d.withdrawn ? 'withdrawn' : 'verdict',
    verdict: m.d.verdict,
    withdrawn: m.d.withdrawn,
  };
}

function installHandlers(m: TaskMachine, now: () => number): void {
  setHandler(stateQuery, () => m.view(now()));
  setHandler(reportSignal, (r) => void m.report(r, now()));
  setHandler(submitReportUpdate, (r) => m.report(r, now()), {
    validator: (r) => {
      const reason = m.refusal(r);
      if (reason) throw new Error(reason);
    },
  });
  setHandler(acknowledgeSignal, (a) => m.acknowledge(a.unit, now()));
  setHandler(returnReportUpdate, (x) => m.returnReport(x, now()), { validator: (x) => m.validateReturn(x) });
  setHandler(requestExtensionUpdate, (x) => m.requestExtension(x, now()), {
    validator: (x) => m.validateExtensionRequest(x, now()),
  });
  setHandler(requestExtensionSignal, (x) => {
    try {
      m.validateExtensionRequest(x, now());
      m.requestExtension(x, now());
    } catch {
      // a signal has no one to answer: an invalid request is simply not taken
    }
  });
  setHandler(decideExtensionUpdate, (x) => m.decideExtension(x, now()), {
    validator: (x) => m.validateExtensionDecision(x),
  });
  setHandler(extendDeadlineUpdate, (x) => m.extendDeadline(x, now()), {
    validator: (x) => m.validateExtendDeadline(x),
  });
  setHandler(reassignUpdate, (x) => m.reassign(x, now()), { validator: (x) => m.validateReassign(x) });
  setHandler(suspendUpdate, (x) => m.suspend(x, now()), { validator: (x) => m.validateSuspend(x) });
  setHandler(resumeUpdate, (x) => m.resume(x, now()), { validator: (x) => m.validateResume(x) });
  setHandler(withdrawUpdate, (x) => m.withdraw(x, now()), { validator: (x) => m.validateWithdraw(x) });
  setHandler(officeVerdictUpdate, (x) => m.officeVerdict(x, now()), {
    validator: (x) => m.validateOfficeVerdict(x, now()),
  });
}
