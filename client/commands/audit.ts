// `duban audit timeline <workflowId>` · `duban audit replay [--all|<workflowId>…|--archive <file>]`
// · `duban audit verify [<taskSetId>]` · `duban audit export <taskSetId|workflowId> [--out <file>]`.
// Auditors change nothing, but their own use is on the record: each command
// first writes an AuditEvent (audit.timeline / .replay / .verify / .export),
// actor = the OS user, into the append-only audit table.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { timeline } from '../audit/timeline.ts';
import { replayRuns, replayWorkflows } from '../audit/replay.ts';
import { verifyTaskSet, type VerifyResult } from '../audit/verify.ts';
import { verifyAuditChain, type ChainResult } from '../audit/chain.ts';
import { listTaskRuns } from '../audit/history.ts';
import { checkArchive, exportArchive } from '../audit/archive.ts';
import { progress } from '../progress.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError, NotFoundError, messageOf } from '../../lib/errors.ts';

export const USAGE = [
  '用法：duban audit timeline <workflowId> | replay [--all|<workflowId>…|--archive <文件>] | verify [<taskSetId>] | export <taskSetId|workflowId> [--out <文件>] [--json]',
  '  timeline  按工作流历史讲述一项任务的经过（报送、邮件、催办督办、亮灯、评定）',
  '  replay    用当前代码重放历史，列出不再一致的工作流（不带参数或 --all：全部）；',
  '            --archive：离线核对 export 生成的归档（逐个文件核对 SHA-256，再重放其中的历史），无需 Temporal',
  '  verify    由历史重建数据库应有的内容，逐行核对（不带参数：全部任务集），并核对操作记录的哈希链',
  '  export    把一个任务集或一项任务的历史、时间线、数据库记录和 SHA-256 清单写成 .tar.gz 归档',
  '  审计命令只读，不改变任何业务数据；每次使用本身记入操作记录（audit.*）。',
].join('\n');

const SUBCOMMANDS = ['timeline', 'replay', 'verify', 'export'];

/** Who runs the command, as the audit table names a command-line user. */
export function auditActor(): string {
  let who = '';
  try {
    who = userInfo().username;
  } catch {
    // no user name on this system: the command alone says who
  }
  return who ? `duban audit（${who}）` : 'duban audit';
}

async function recordUse(db: Database, action: string, details: Record<string, unknown>): Promise<void> {
  const set = typeof details.taskSetId === 'string' ? details.taskSetId : undefined;
  const wf = typeof details.workflowId === 'string' ? details.workflowId : undefined;
  await db.prisma.auditEvent.create({
    data: { actor: auditActor(), action, taskSetId: set, workflowId: wf, details: details as never },
  });
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    args,
    { all: { type: 'boolean' }, archive: { type: 'string' }, out: { type: 'string' } },
    USAGE,
  );
  const [sub, ...rest] = positionals;
  if (!sub || !SUBCOMMANDS.includes(sub)) throw new BadInputError(USAGE);
  if (values.archive !== undefined && (sub !== 'replay' || rest.length || values.all))
    throw new BadInputError(`--archive 只用于 duban audit replay --archive <文件>\n${USAGE}`);
  if (values.out !== undefined && sub !== 'export')
    throw new BadInputError(`--out 只用于 duban audit export\n${USAGE}`);
  const config = loadConfig();
  if (sub === 'replay' && values.archive !== undefined) return replayArchive(config, values.archive, ctx);

  const db = await openDatabase(config, { migrate: false });
  try {
    const client = await connectClient(config);
    try {
      if (sub === 'timeline') {
        const id = rest[0];
        if (!id) throw new BadInputError('请给出工作流编号，例如 duban audit timeline duban/2022-xxxx/9');
        await recordUse(db, 'audit.timeline', { workflowId: id });
        const entries = await timeline(client, id);
        ctx.result({ workflowId: id, entries }, entries.map((e) => `${e.at}  ${e.summary}`).join('\n'));
        return 0;
      }
      if (sub === 'replay') {
        const all = values.all || rest.length === 0;
        await recordUse(db, 'audit.replay', all ? { all: true } : { workflowIds: rest });
        const started = Date.now();
        // --all: the runs from the visibility store, one history fetch each
        const runs = all ? await listTaskRuns(client) : undefined;
        const count = runs ? runs.length : rest.length;
        if (count === 0) {
          ctx.result({ replayed: 0, failed: 0, results: [] }, '没有可重放的工作流。');
          return 0;
        }
        const bar = progress('重放历史', count);
        const results = runs
          ? await replayRuns(client, runs, () => bar.tick())
          : await replayWorkflows(client, rest, () => bar.tick());
        bar.done();
        const seconds = (Date.now() - started) / 1000;
        const failed = results.filter((r) => !r.ok);
        ctx.say(
          `用时 ${seconds.toFixed(1)} 秒，每秒 ${(results.length / Math.max(seconds, 0.001)).toFixed(1)} 段历史`,
        );
        ctx.result(
          { replayed: results.length, failed: failed.length, seconds, results },
          failed.length
            ? `重放 ${results.length} 段历史，${failed.length} 段与当前代码不一致：\n${failed.map((f) => `  ✘ ${f.workflowId}（${f.runId}）：${f.error}`).join('\n')}`
            : `重放 ${results.length} 段历史，全部与当前代码一致。`,
        );
        return failed.length ? 1 : 0;
      }
      if (sub === 'export') {
        const target = rest[0];
        if (!target || rest.length > 1)
          throw new BadInputError(`请给出一个任务集编号或一项任务的工作流编号\n${USAGE}`);
        const out = path.resolve(
          values.out ??
            `duban-audit-${target.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().slice(0, 10)}.tar.gz`,
        );
        const folder = path.dirname(out);
        if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory())
          throw new BadInputError(`输出目录 ${folder} 不存在`, { out });
        await recordUse(db, 'audit.export', {
          ...(target.startsWith('duban/') ? { workflowId: target } : { taskSetId: target }),
          out,
        });
        const bar = progress('读取历史', 0);
        const r = await exportArchive(client, db, target, auditActor(), (total) => {
          bar.total(total);
          bar.tick();
        });
        bar.done();
        try {
          writeFileSync(out, r.archive);
        } catch (err) {
          throw new BadInputError(`无法写入 ${out}：${messageOf(err)}`, { out });
        }
        const bad = r.verify.discrepancies.length + r.chain.breaks.length;
        ctx.result(
          {
            out,
            bytes: r.archive.length,
            workflows: r.manifest.workflows,
            files: r.manifest.files.length + 1,
            manifestSha256: r.manifestSha256,
            auditChainHead: r.chain.head,
            discrepancies: bad,
          },
          [
            `已写入 ${out}：${r.manifest.workflows} 个工作流，${r.manifest.files.length + 1} 个文件，${r.archive.length} 字节`,
            `清单 manifest.json 的 SHA-256：${r.manifestSha256}（请另行记下，用于日后核对归档未被整体替换）`,
            bad
              ? `注意：导出时核对发现 ${bad} 处不一致，见归档中的 verify.json 与 audit-chain.json`
              : '导出时核对：数据库与历史一致，操作记录哈希链完好。',
          ].join('\n'),
        );
        return 0;
      }
      // verify
      const only = rest[0];
      if (only && !(await db.prisma.taskSet.findUnique({ where: { id: only } })))
        throw new NotFoundError(`没有任务集「${only}」`);
      await recordUse(db, 'audit.verify', only ? { taskSetId: only } : { all: true });
      const sets = only
        ? [only]
        : (await db.prisma.taskSet.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
            (s) => s.id,
          );
      const results: VerifyResult[] = [];
      for (const id of sets) {
        const count = await db.prisma.task.count({ where: { taskSetId: id } });
        const bar = progress(`核对 ${id}`, count);
        results.push(await verifyTaskSet(client, db.prisma, id, () => bar.tick()));
        bar.done();
      }
      const chain = await verifyAuditChain(db.sql);
      return printVerify(results, chain, ctx);
    } finally {
      await client.connection.close();
    }
  } finally {
    await db.close();
  }
}

function printVerify(results: VerifyResult[], chain: ChainResult, ctx: CommandContext): number {
  const bad = results.reduce((n, r) => n + r.discrepancies.length, 0) + chain.breaks.length;
  const human = [
    ...results.map((r) =>
      [
        `任务集 ${r.taskSetId}：${r.tasks} 项，核对 ${r.checked} 项，一致 ${r.agreeing} 项，未启动 ${r.notStarted} 项；邮件 历史 ${r.mailsOrdered} 封 / 发送记录 ${r.mailsRecorded} 封`,
        ...r.discrepancies.map(
          (d) =>
            `  ✘ 第 ${d.seq} 项（${d.workflowId}）${d.what}：历史 ${JSON.stringify(d.history)}，数据库 ${JSON.stringify(d.database)}`,
        ),
      ].join('\n'),
    ),
    chain.breaks.length
      ? [
          `操作记录：${chain.rows} 条，哈希链断裂 ${chain.breaks.length} 处：`,
          ...chain.breaks.map((b) => `  ✘ ${b.what}`),
        ].join('\n')
      : `操作记录：${chain.rows} 条，哈希链完好${chain.head ? `（链头 ${chain.head.slice(0, 16)}…）` : ''}`,
  ].join('\n');
  ctx.result(
    { ok: bad === 0, taskSets: results, auditChain: chain },
    bad ? `${human}\n不一致之处：${bad}` : `${human}\n数据库与历史一致。`,
  );
  return bad ? 1 : 0;
}

/** Offline: no Temporal. The use is recorded when the database is at hand, and said when not. */
async function replayArchive(config: Config, file: string, ctx: CommandContext): Promise<number> {
  let gz: Buffer;
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
      throw new BadInputError(`${file} 是目录，请给出 duban audit export 生成的 .tar.gz 文件`, { file });
    gz = readFileSync(file);
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(
      `无法读取归档 ${file}：${(err as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : messageOf(err)}`,
      {
        file,
      },
    );
  }
  try {
    const db = await openDatabase(config, { migrate: false });
    try {
      await recordUse(db, 'audit.replay', { archive: path.resolve(file) });
    } finally {
      await db.close();
    }
  } catch (err) {
    ctx.say(`（未能写入操作记录：${messageOf(err)}；离线核对照常进行）`);
  }
  const bar = progress('重放归档中的历史', 0);
  const r = await checkArchive(gz, file, (_done, total) => {
    bar.total(total);
    bar.tick();
  });
  bar.done();
  const failed = r.replayed.filter((x) => !x.ok);
  const lines = [
    `归档 ${file}：${r.manifest.scope.workflowId ?? `任务集 ${r.manifest.scope.taskSetId}`}，${r.manifest.createdAt} 由 ${r.manifest.createdBy} 导出；清单 SHA-256 ${r.manifestSha256}`,
    r.problems.length
      ? [`与清单不符的文件 ${r.problems.length} 个：`, ...r.problems.map((p) => `  ✘ ${p}`)].join('\n')
      : `${r.manifest.files.length} 个文件与清单一致。`,
    failed.length
      ? [
          `重放 ${r.replayed.length} 段历史，${failed.length} 段与当前代码不一致：`,
          ...failed.map((f) => `  ✘ ${f.workflowId}（${f.runId}）：${f.error}`),
        ].join('\n')
      : `重放 ${r.replayed.length} 段历史，全部与当前代码一致。`,
  ];
  ctx.result(
    {
      ok: !r.problems.length && !failed.length,
      manifestSha256: r.manifestSha256,
      scope: r.manifest.scope,
      problems: r.problems,
      replayed: r.replayed.length,
      failed: failed.length,
      results: r.replayed,
    },
    lines.join('\n'),
  );
  return r.problems.length || failed.length ? 1 : 0;
}
