// Every stored history (test/histories/*.json, recorded by record.ts with
// the code of its day) must replay against today's workflow code: a change
// that would break a running year fails here, and needs a patch.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflows } from '../../worker/worker.ts';

const dir = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay', () => {
  it('finds the stored histories', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
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
