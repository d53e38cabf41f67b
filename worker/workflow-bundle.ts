// The prebuilt workflow bundle, as Temporal's production sample does it: the
// workflow code is bundled once (scripts/build-workflow-bundle.ts, run by
// scripts/setup.sh and the Dockerfile) instead of through webpack at every
// worker start. A bundle is named by the key of what it was built from — every
// file under workflows/ and the @temporalio/workflow package — so a worker
// never runs a bundle of older sources: when no bundle has the current key
// (missing, or a workflow file changed since), the worker bundles at start and
// says so. Several checkouts may share one .tools/ (git worktrees): each state
// of the sources has its own file, written whole (rename), never half-read.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleOption, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { projectRoot, workflowBundlesDir } from '../lib/tools.ts';
import { bundleWorkflows, type BundleLogger } from './worker.ts';

/** How many bundles of other source states to keep (other worktrees, recent edits). */
const KEEP_BUNDLES = 8;

/** Every file under `dir`, as forward-slash paths relative to `root`. */
function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(root, rel);
    return entry.isFile() ? [rel] : [];
  });
}

/**
 * The key of the sources a bundle is built from: SHA-256 over the contents of
 * every file under workflows/ (paths in byte order), then
 * node_modules/@temporalio/workflow/package.json (its version), first 16 hex
 * digits. scripts/setup.sh computes the same key in bash (workflow_bundle_key)
 * to decide without starting node whether a bundle must be built.
 */
export function workflowSourceKey(root: string = projectRoot): string {
  const hash = createHash('sha256');
  const files = filesUnder(root, 'workflows').sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const file of files) hash.update(readFileSync(path.join(root, file)));
  hash.update(readFileSync(path.join(root, 'node_modules/@temporalio/workflow/package.json')));
  return hash.digest('hex').slice(0, 16);
}

export const bundleFileFor = (key: string, dir: string = workflowBundlesDir) => path.join(dir, `${key}.js`);

export type PrebuiltBundle =
  | { fresh: true; key: string; file: string }
  /** missing: no prebuilt bundle at all; stale: bundles exist, none of the current sources */
  | { fresh: false; key: string; reason: 'missing' | 'stale' };

/** The prebuilt bundle of the current sources, if there is one. */
export function findPrebuiltBundle(options: { root?: string; dir?: string } = {}): PrebuiltBundle {
  const key = workflowSourceKey(options.root);
  const file = bundleFileFor(key, options.dir);
  if (isFile(file)) return { fresh: true, key, file };
  return { fresh: false, key, reason: bundleFiles(options.dir).length ? 'stale' : 'missing' };
}

/** The one line a worker says when it has to bundle at start. */
export function rebuildNotice(reason: 'missing' | 'stale'): string {
  return reason === 'missing'
    ? '未找到预构建的工作流包，启动时现场打包 workflows/（需数秒；scripts/setup.sh 会预先构建）'
    : '预构建的工作流包与 workflows/ 的源码不符（源码已修改），启动时现场重新打包';
}

/**
 * Bundles workflows/ and keeps the bundle under its key. The key is taken
 * before and after bundling: a file saved meanwhile makes the bundle's key
 * uncertain, so it is bundled again (three tries) rather than stored under the
 * wrong key. `written` is the file, or undefined when nothing could be stored
 * (sources kept changing, or .tools/ is read-only): the bundle is still good
 * to run.
 */
export async function bundleAndKeep(
  options: { dir?: string; logger?: BundleLogger } = {},
): Promise<{ bundle: WorkflowBundleWithSourceMap; key: string; written?: string }> {
  const dir = options.dir ?? workflowBundlesDir;
  for (let attempt = 1; ; attempt++) {
    const before = workflowSourceKey();
    const bundle = await bundleWorkflows(options.logger);
    const key = workflowSourceKey();
    if (before !== key) {
      if (attempt < 3) continue;
      return { bundle, key };
    }
    try {
      mkdirSync(dir, { recursive: true });
      const file = bundleFileFor(key, dir);
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, bundle.code);
      renameSync(partial, file);
      pruneBundles(dir, file);
      return { bundle, key, written: file };
    } catch {
      return { bundle, key };
    }
  }
}

/**
 * What a worker runs: the prebuilt bundle of the current sources, or a bundle
 * made now (and kept for the next start), after one line through `notice`.
 */
export async function workflowBundleForWorker(
  notice: (line: string) => void,
  options: { dir?: string } = {},
): Promise<{ bundle: WorkflowBundleOption; prebuilt: boolean }> {
  let found: PrebuiltBundle;
  try {
    found = findPrebuiltBundle(options);
  } catch {
    // the sources' key cannot be taken (an unusual install): bundle, keep nothing
    notice(rebuildNotice('missing'));
    return { bundle: await bundleWorkflows(), prebuilt: false };
  }
  if (found.fresh) return { bundle: { codePath: found.file }, prebuilt: true };
  notice(rebuildNotice(found.reason));
  const { bundle } = await bundleAndKeep(options);
  return { bundle, prebuilt: false };
}

/** The prebuilt bundle when fresh, else one made now; without a word (simulate). */
export async function currentWorkflowBundle(): Promise<WorkflowBundleOption> {
  return (await workflowBundleForWorker(() => undefined)).bundle;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function bundleFiles(dir: string = workflowBundlesDir): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^[0-9a-f]{16}\.js$/.test(name))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** Keeps the newest bundles; another checkout that loses its bundle only bundles at its next start. */
function pruneBundles(dir: string, keep: string): void {
  const others = bundleFiles(dir)
    .filter((file) => file !== keep)
    .map((file) => ({ file, mtime: statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of others.slice(KEEP_BUNDLES - 1)) rmSync(file, { force: true });
}
