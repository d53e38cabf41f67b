// `duban audit export <task|set>` and `duban audit replay --archive <file>`.
//
// The archive is a .tar.gz (client/audit/tar.ts) that any tar opens:
//   manifest.json                      what is in it, and the SHA-256 of every other file
//   verify.json                        `duban audit verify` of what was exported, at export time
//   audit-chain.json                   the audit table's hash-chain check and its head hash
//   workflows/<n>/workflow.json        the workflow id, its task, its runs
//   workflows/<n>/run-<i>.history.json each run's history (Temporal's JSON form)
//   workflows/<n>/timeline.json        the timeline `duban audit timeline` prints
//   workflows/<n>/database.json        the rows the history must agree with
// Offline (no Temporal, no database), replay checks every file against the
// manifest and names any altered, missing or added file, then replays each
// history with today's workflow code.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Database } from '../../lib/db.ts';
import { BadInputError, NotFoundError } from '../../lib/errors.ts';
import { inParallel } from '../../lib/parallel.ts';
import { fetchRuns, type Run } from './history.ts';
import { timelineOfRuns } from './timeline.ts';
import { verifyTaskSet, type VerifyResult } from './verify.ts';
import { verifyAuditChain, type ChainResult } from './chain.ts';
import { readTarGz, writeTarGz, type TarEntry } from './tar.ts';
import { replayHistories, type ReplayOutcome } from './replay.ts';

export const ARCHIVE_FORMAT = 'duban-audit-archive/1';

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  createdAt: string;
  createdBy: string;
  scope: { taskSetId: string; workflowId?: string };
  workflows: number;
  auditChainHead: string | null;
  files: { path: string; sha256: string; bytes: number }[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 1) + '\n', 'utf8');

/** `target` is a task set id, or a task's workflow id (duban/<set>/<seq>). */
export async function exportArchive(
  client: Client,
  db: Database,
  target: string,
  actor: string,
  onProgress?: (total: number) => void,
): Promise<{
  archive: Buffer;
  manifest: Manifest;
  manifestSha256: string;
  verify: VerifyResult;
  chain: ChainResult;
}> {
  const task = target.startsWith('duban/')
    ? await db.prisma.task.findUnique({ where: { workflowId: target }, select: { taskSetId: true } })
    : null;
  if (target.startsWith('duban/') && !task) throw new NotFoundError(`没有工作流编号为「${target}」的任务`);
  const taskSetId = task?.taskSetId ?? target;
  if (!task && !(await db.prisma.taskSet.findUnique({ where: { id: taskSetId } })))
    throw new NotFoundError(`没有任务集「${target}」`);
  const tasks = await db.prisma.task.findMany({
    where: { taskSetId, ...(task ? { workflowId: target } : {}), NOT: { state: '未启动' } },
    include: {
      verdict: true,
      reports: {
        include: { attachments: { select: { id: true, filename: true, contentType: true, size: true } } },
      },
      escalations: true,
      lightChanges: true,
      requests: true,
      extensions: true,
      assignments: true,
    },
    orderBy: { id: 'asc' },
  });

  const runs = new Map<string, Run[]>();
  await inParallel(tasks, 8, async (t) => {
    try {
      runs.set(t.workflowId, await fetchRuns(client, t.workflowId));
    } catch {
      runs.set(t.workflowId, []);
    }
    onProgress?.(tasks.length);
  });
  const verify = await verifyTaskSet(client, db.prisma, taskSetId, undefined, {
    workflowId: task ? target : undefined,
    runsOf: async (id) => runs.get(id) ?? (await fetchRuns(client, id)),
  });
  const chain = await verifyAuditChain(db.sql);

  const entries: TarEntry[] = [];
  let n = 0;
  for (const t of tasks) {
    const wfRuns = runs.get(t.workflowId) ?? [];
    if (!wfRuns.length) continue;
    const dir = `workflows/${String(++n).padStart(4, '0')}`;
    const sent = await db.prisma.sentMail.findMany({
      where: { workflowId: t.workflowId },
      omit: { raw: true },
      orderBy: { id: 'asc' },
    });
    entries.push({
      path: `${dir}/workflow.json`,
      data: json({
        workflowId: t.workflowId,
        taskSetId: t.taskSetId,
        seq: t.seq,
        runs: wfRuns.map((r, i) => ({ runId: r.runId, file: `run-${i + 1}.history.json` })),
      }),
    });
    wfRuns.forEach((r, i) =>
      entries.push({
        path: `${dir}/run-${i + 1}.history.json`,
        data: Buffer.from(historyToJSON(r.history as never) + '\n', 'utf8'),
      }),
    );
    entries.push({ path: `${dir}/timeline.json`, data: json(timelineOfRuns(t.workflowId, wfRuns)) });
    entries.push({ path: `${dir}/database.json`, data: json({ task: t, sentMail: sent }) });
  }
  entries.unshift(
    { path: 'verify.json', data: json(verify) },
    { path: 'audit-chain.json', data: json(chain) },
  );
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    createdAt: new Date().toISOString(),
    createdBy: actor,
    scope: { taskSetId, ...(task ? { workflowId: target } : {}) },
    workflows: n,
    auditChainHead: chain.head,
    files: entries.map((e) => ({ path: e.path, sha256: sha256(e.data), bytes: e.data.length })),
  };
  const manifestData = json(manifest);
  const archive = writeTarGz([{ path: 'manifest.json', data: manifestData }, ...entries]);
  return { archive, manifest, manifestSha256: sha256(manifestData), verify, chain };
}

export interface ArchiveCheck {
  manifest: Manifest;
  manifestSha256: string;
  /** files whose content is not what the manifest says, in Chinese, each naming the file */
  problems: string[];
  replayed: ReplayOutcome[];
}

/** Checks an archive offline: the manifest's sums, then every history against today's workflow code. */
export async function checkArchive(
  gz: Buffer,
  name: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ArchiveCheck> {
  const entries = readTarGz(gz, name);
  const byPath = new Map<string, Buffer>();
  for (const e of entries) {
    if (byPath.has(e.path)) throw new BadInputError(`归档 ${name} 中「${e.path}」出现两次`, { file: name });
    byPath.set(e.path, e.data);
  }
  const manifestData = byPath.get('manifest.json');
  if (!manifestData) throw new BadInputError(`归档 ${name} 中没有 manifest.json，不是 duban 审计归档`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestData.toString('utf8')) as Manifest;
  } catch {
    throw new BadInputError(`归档 ${name} 的 manifest.json 不是有效的 JSON`, { file: name });
  }
  if (manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.files))
    throw new BadInputError(`归档 ${name} 的 manifest.json 格式不是 ${ARCHIVE_FORMAT}`, { file: name });

  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const data = byPath.get(f.path);
    if (!data) problems.push(`${f.path}：清单中有此文件，归档中缺失`);
    else if (sha256(data) !== f.sha256)
      problems.push(
        `${f.path}：内容已被改动（SHA-256 与清单不符：清单 ${f.sha256.slice(0, 12)}…，实际 ${sha256(data).slice(0, 12)}…）`,
      );
  }
  for (const p of byPath.keys())
    if (p !== 'manifest.json' && !listed.has(p)) problems.push(`${p}：清单中没有此文件（被加入）`);

  const histories: { workflowId: string; history: ReturnType<typeof historyFromJSON> }[] = [];
  for (const [p, data] of byPath) {
    const m = /^(workflows\/\d+)\/workflow\.json$/.exec(p);
    if (!m) continue;
    let wf: { workflowId: string; runs: { runId: string; file: string }[] };
    try {
      wf = JSON.parse(data.toString('utf8')) as typeof wf;
    } catch {
      problems.push(`${p}：不是有效的 JSON`);
      continue;
    }
    for (const r of wf.runs ?? []) {
      const file = `${m[1]}/${r.file}`;
      const h = byPath.get(file);
      if (!h) continue;
      try {
        histories.push({
          workflowId: `${wf.workflowId}#${r.runId}`,
          history: historyFromJSON(JSON.parse(h.toString('utf8'))),
        });
      } catch {
        problems.push(`${file}：不是可读的工作流历史`);
      }
    }
  }
  const replayed = await replayHistories(histories, (d) => onProgress?.(d, histories.length));
  return { manifest, manifestSha256: sha256(manifestData), problems, replayed };
}
