// Every stored history (test/histories/*.json, recorded by record.ts with
// the code of its day) must replay against today's workflow code: a change
// that would break a running year fails here, and needs a patch. Among them,
// histories from a real dev server (dev-*.json): search attributes set at
// start and upserted, a task that continued-as-new (both runs), and the one
// patch in task-workflow.ts, lead-unit-search-attribute, both taken (a
// marker) and not taken (recorded by the workflow code of before the patch).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflows } from '../../worker/worker.ts';

const dir = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface StoredEvent {
  eventType: string;
  markerRecordedEventAttributes?: {
    markerName: string;
    details?: Record<string, { payloads: { data: string }[] }>;
  };
  workflowExecutionStartedEventAttributes?: {
    continuedExecutionRunId?: string;
    searchAttributes?: { indexedFields?: Record<string, unknown> };
  };
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string } } };
}
const stored = files.map((f) => {
  const s = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
    runId?: string;
    history: { events: StoredEvent[] };
  };
  return { file: f, runId: s.runId, events: s.history.events };
});
const patchIds = (events: StoredEvent[]) =>
  events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .flatMap((e) => e.markerRecordedEventAttributes!.details?.['patch-data']?.payloads ?? [])
    .map((p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id);
const has = (events: StoredEvent[], type: string) => events.some((e) => e.eventType === type);
const updates = (events: StoredEvent[], name: string) =>
  events.filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name,
  );

describe('replay', () => {
  it('finds the stored histories', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it('has histories with search attributes, a continue-as-new, and the patch taken and not', () => {
    const withAttributes = stored.filter(
      (s) =>
        s.events[0]!.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.DubanTaskSet &&
        has(s.events, 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'),
    );
    expect(withAttributes.map((s) => s.file)).toEqual(
      expect.arrayContaining(['dev-continue-as-new.run-1.json', 'dev-reassign-before-patch.json']),
    );
    // a run that ended by continuing as new, and the run it continued into
    const ended = stored.filter((s) => has(s.events, 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW'));
    expect(ended.length).toBeGreaterThanOrEqual(1);
    for (const e of ended) {
      expect(
        stored.some(
          (s) => s.events[0]!.workflowExecutionStartedEventAttributes?.continuedExecutionRunId === e.runId,
        ),
      ).toBe(true);
    }
    // lead-unit-search-attribute taken: a reassignment with its marker
    const taken = stored.filter((s) => patchIds(s.events).includes('lead-unit-search-attribute'));
    expect(taken.map((s) => s.file)).toContain('dev-continue-as-new.run-2.json');
    expect(taken.every((s) => updates(s.events, 'reassign').length > 0)).toBe(true);
    // not taken: a reassignment, search attributes on, no marker
    const notTaken = stored.filter(
      (s) =>
        updates(s.events, 'reassign').length > 0 &&
        has(s.events, 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') &&
        !patchIds(s.events).includes('lead-unit-search-attribute'),
    );
    expect(notTaken.map((s) => s.file)).toContain('dev-reassign-before-patch.json');
  });

  it("replays every stored history with today's code", { timeout: 120_000 }, async () => {
    const bundle = await bundleWorkflows();
    const histories = files.map((f) => {
      const stored = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId: stored.workflowId, history: historyFromJSON(stored.history) };
    });
    const outcomes: { workflowId: string; error?: unknown }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories))
      outcomes.push({ workflowId: r.workflowId, error: r.error });
    expect(outcomes).toHaveLength(files.length);
    expect(outcomes.filter((o) => o.error).map((o) => `${o.workflowId}: ${String(o.error)}`)).toEqual([]);
  });

  it('notices a history that does not match the code', { timeout: 120_000 }, async () => {
    // the same history with one activity's name changed must fail to replay: the test can fail
    const stored = JSON.parse(readFileSync(path.join(dir, 'withdrawn.json'), 'utf8')) as {
      workflowId: string;
      history: { events: Record<string, unknown>[] };
    };
    const tampered = JSON.parse(
      JSON.stringify(stored.history).replaceAll('"applyEffects"', '"somethingElse"'),
    );
    const bundle = await bundleWorkflows();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJSON(tampered), stored.workflowId),
    ).rejects.toThrow();
  });
});
