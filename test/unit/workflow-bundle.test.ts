// The prebuilt workflow bundle's key: scripts/setup.sh (bash) and the worker
// (worker/workflow-bundle.ts) must agree on it, and any change to a workflow
// file must change it, so a worker never runs a bundle of older sources.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  bundleFileFor,
  findPrebuiltBundle,
  rebuildNotice,
  workflowBundleForWorker,
  workflowSourceKey,
} from '../../worker/workflow-bundle.ts';
import { projectRoot } from '../../lib/tools.ts';

const temporary: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** setup.sh's own workflow_bundle_key function, run in `root`. */
function bashKey(root: string): string {
  const setup = path.join(projectRoot, 'scripts/setup.sh');
  return execFileSync(
    'bash',
    ['-c', `source <(sed -n '/^workflow_bundle_key()/,/^}/p' "${setup}") && workflow_bundle_key`],
    { cwd: root, encoding: 'utf8' },
  ).trim();
}

/** A copy of what the key is made of: workflows/ and @temporalio/workflow's package.json. */
function copyOfSources(): string {
  const root = tempDir('duban-bundle-key-');
  cpSync(path.join(projectRoot, 'workflows'), path.join(root, 'workflows'), { recursive: true });
  const pkg = 'node_modules/@temporalio/workflow/package.json';
  mkdirSync(path.dirname(path.join(root, pkg)), { recursive: true });
  cpSync(path.join(projectRoot, pkg), path.join(root, pkg));
  return root;
}

describe('the workflow bundle key', () => {
  it('is the same in setup.sh and in the worker', () => {
    const key = workflowSourceKey();
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(bashKey(projectRoot)).toBe(key);
  });

  it('changes when a workflow file changes or is added, in both', () => {
    const root = copyOfSources();
    const original = workflowSourceKey(root);
    expect(original).toBe(workflowSourceKey());

    appendFileSync(path.join(root, 'workflows/ladder.ts'), '\n// one more line\n');
    const edited = workflowSourceKey(root);
    expect(edited).not.toBe(original);
    expect(bashKey(root)).toBe(edited);

    mkdirSync(path.join(root, 'workflows/policy'));
    writeFileSync(path.join(root, 'workflows/policy/extra.ts'), 'export const extra = 1;\n');
    const added = workflowSourceKey(root);
    expect(added).not.toBe(edited);
    expect(bashKey(root)).toBe(added);
  });

  it('changes with the @temporalio/workflow version', () => {
    const root = copyOfSources();
    const before = workflowSourceKey(root);
    const pkg = path.join(root, 'node_modules/@temporalio/workflow/package.json');
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
    writeFileSync(pkg, JSON.stringify({ ...json, version: '9.9.9' }));
    expect(workflowSourceKey(root)).not.toBe(before);
  });
});

describe('finding the prebuilt bundle', () => {
  it('is missing, then fresh once built, then stale after a workflow file changed', () => {
    const root = copyOfSources();
    const dir = tempDir('duban-bundles-');
    expect(findPrebuiltBundle({ root, dir })).toMatchObject({ fresh: false, reason: 'missing' });

    const key = workflowSourceKey(root);
    writeFileSync(bundleFileFor(key, dir), '// a bundle\n');
    expect(findPrebuiltBundle({ root, dir })).toEqual({ fresh: true, key, file: bundleFileFor(key, dir) });

    appendFileSync(path.join(root, 'workflows/state.ts'), '\n');
    expect(findPrebuiltBundle({ root, dir })).toMatchObject({ fresh: false, reason: 'stale' });
  });

  it('says in one Chinese line why it bundles at start', () => {
    for (const reason of ['missing', 'stale'] as const) {
      const line = rebuildNotice(reason);
      expect(line).not.toContain('\n');
      expect(line).toMatch(/工作流包/);
    }
    expect(rebuildNotice('stale')).toContain('源码已修改');
  });

  it('a worker without a bundle bundles now, says so once, and finds it prebuilt the next time', async () => {
    const dir = tempDir('duban-bundles-');
    const lines: string[] = [];
    const first = await workflowBundleForWorker((line) => lines.push(line), { dir });
    expect(first.prebuilt).toBe(false);
    expect(lines).toEqual([rebuildNotice('missing')]);
    expect('code' in first.bundle && first.bundle.code).toContain('taskWorkflow');

    const second = await workflowBundleForWorker((line) => lines.push(line), { dir });
    expect(second).toEqual({
      prebuilt: true,
      bundle: { codePath: bundleFileFor(workflowSourceKey(), dir) },
    });
    expect(lines).toHaveLength(1);
  }, 60_000);
});
