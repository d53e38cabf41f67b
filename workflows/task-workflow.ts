// One durable workflow per task: 交办 → 请报 each period → 催办 → 督办 → 评定.
// The loop is "do what is due, apply the effects, sleep until the next thing
// on the agenda or until a person acts" (condition with a timeout), so a
// report, an extension or a pause simply changes the agenda. All decisions are
// in TaskMachine (state.ts) and the rules of office-actions.ts; all side
// effects go through activities: the wake-up's projection in one
// transaction (applyEffects), then each mail on its own (sendMail).
import {
  ActivityFailure,
  allHandlersFinished,
  log,
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
import type { Effect, MailOrder, MailOutcome } from './effects.ts';
import { TaskMachine, type TaskResult, type TaskWorkflowInput } from './state.ts';
import { installOfficeActions } from './office-actions.ts';
import { stateQuery } from './messages.ts';

export type { TaskResult, TaskWorkflowInput } from './state.ts';

const { applyEffects } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** The projection since 'per-mail-activity': a dead worker's attempt is noticed by its missing heartbeat. */
const { applyEffects: writeProjection } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One mail: a mail server that is down is waited out (30 s, doubling, at
 * most every 10 min, for as long as it takes); what can never work is not
 * retried: sendOnce records a 5xx refusal or an impossible address as a
 * failed mail and returns, and a task missing from the database is final.
 */
const { sendMail } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['TaskNotFound', 'BadInput', 'NotFound', 'Refused'],
  },
});

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskResult> {
  const offset = input.clockOffsetMs ?? 0;
  const now = () => Date.now() + offset;
  const workflowId = workflowInfo().workflowId;
  const machine = new TaskMachine(input, workflowId, now(), patched);
  installHandlers(machine, now);
  const data = machine.data;

  const flush = async () => {
    while (data.effects.length) {
      const effects = machine.takeEffects();
      // Histories from before the per-mail activity did everything in one applyEffects.
      if (!patched('per-mail-activity')) {
        await applyEffects({ workflowId, task: machine.brief, effects });
        continue;
      }
      const writes = effects.filter((effect) => effect.type !== 'mail');
      const mails = effects.flatMap((effect: Effect) => (effect.type === 'mail' ? [effect.mail] : []));
      if (writes.length) await writeProjection({ workflowId, task: machine.brief, effects: writes });
      const outcomes = await Promise.all(mails.map((mail) => sendOne(mail)));
      machine.mailsDone(
        mails.map((mail, index) => ({ mail, outcome: outcomes[index] })),
        now(),
      );
    }
  };
  const sendOne = async (mail: MailOrder): Promise<MailOutcome | undefined> => {
    try {
      return await sendMail({ workflowId, task: machine.brief, mail });
    } catch (err) {
      // a non-retryable failure: this mail is given up, the task goes on
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('邮件未能发出', { step: mail.step, error: err.cause?.message ?? err.message });
      return undefined;
    }
  };
  let shownAttributes = '';
  let shownLead = data.lead.map((unit) => unit.name).join('、');
  const syncSearchAttributes = () => {
    if (input.searchAttributes === false) return;
    const lightAndState = `${data.light}|${machine.stateWord(now())}`;
    const leadNames = data.lead.map((unit) => unit.name);
    const pairs: SearchAttributeUpdatePair[] = [];
    if (lightAndState !== shownAttributes) {
      pairs.push(
        { key: searchAttributes.light, value: data.light },
        { key: searchAttributes.status, value: machine.stateWord(now()) },
      );
    }
    // added after the first histories were recorded: the patch keeps them replaying
    if (leadNames.join('、') !== shownLead && patched('lead-unit-search-attribute')) {
      shownLead = leadNames.join('、');
      pairs.push({ key: searchAttributes.leadUnits, value: leadNames });
    }
    if (!pairs.length) return;
    shownAttributes = lightAndState;
    upsertSearchAttributes(pairs);
  };

  while (!machine.closed) {
    machine.changed = false;
    machine.advance(now());
    await flush();
    syncSearchAttributes();
    if (machine.closed) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof taskWorkflow>({ ...input, carried: data });
    }
    const next = machine.nextWake();
    if (next === undefined) await condition(() => machine.changed);
    else await condition(() => machine.changed, Math.max(next - now(), 1));
  }
  await flush();
  syncSearchAttributes();
  return {
    workflowId,
    seq: input.seq,
    outcome: data.withdrawn ? 'withdrawn' : 'verdict',
    verdict: data.verdict,
    withdrawn: data.withdrawn,
  };
}

/** The state query, and every update and signal with its rules (office-actions.ts). */
function installHandlers(machine: TaskMachine, now: () => number): void {
  setHandler(stateQuery, () => machine.view(now()));
  installOfficeActions(machine, now);
}
