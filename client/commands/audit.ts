// `duban audit timeline <workflowId>` · `duban audit replay [--all|<workflowId>…]`
// · `duban audit verify [<taskSetId>]`. Read-only: auditors change nothing.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { connectClient } from '../../lib/temporal.ts';
import { timeline } from '../audit/timeline.ts';
import { replayWorkflows } from '../audit/replay.ts';
import { verifyTaskSet } from '../audit/verify.ts';
import { listTaskWorkflowIds } from '../audit/history.ts';
import { progress } from '../progress.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError } from '../../lib/errors.ts';

export const USAGE = [
  '用法：duban audit timeline <workflowId> | replay [--all|<workflowId>…] | verify [<taskSetId>] [--json]',
  '  timeline  按工作流历史讲述一项任务的经过（报送、邮件、催办督办、亮灯、评定）',
  '  replay    用当前代码重放历史，列出不再一致的工作流（不带参数或 --all：全部）',
  '  verify    由历史重建数据库应有的内容，逐行核对（不带参数：全部任务集）',
  '  审计命令只读，不改变任何数据。',
].join('\n');

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { all: { type: 'boolean' } }, USAGE);
  const [sub, ...rest] = positionals;
  if (!sub || !['timeline', 'replay', 'verify'].includes(sub)) throw new BadInputError(USAGE);
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    if (sub === 'timeline') {
      const id = rest[0];
      if (!id) throw new BadInputError('请给出工作流编号，例如 duban audit timeline duban/2022-xxxx/9');
      const entries = await timeline(client, id);
      ctx.result({ workflowId: id, entries }, entries.map((e) => `${e.at}  ${e.summary}`).join('\n'));
      return 0;
    }
    if (sub === 'replay') {
      const ids = values.all || rest.length === 0 ? await listTaskWorkflowIds(client) : rest;
      if (ids.length === 0) {
        ctx.result({ replayed: 0, failed: 0, results: [] }, '没有可重放的工作流。');
        return 0;
      }
      const bar = progress('重放历史', ids.length);
      const results = await replayWorkflows(client, ids, () => bar.tick());
      bar.done();
      const failed = results.filter((r) => !r.ok);
      ctx.result(
        { replayed: results.length, failed: failed.length, results },
        failed.length
          ? `重放 ${results.length} 段历史，${failed.length} 段与当前代码不一致：\n${failed.map((f) => `  ✘ ${f.workflowId}（${f.runId}）：${f.error}`).join('\n')}`
          : `重放 ${results.length} 段历史，全部与当前代码一致。`,
      );
      return failed.length ? 1 : 0;
    }
    const db = await openDatabase(config, { migrate: false });
    try {
      const sets = rest[0]
        ? [rest[0]]
        : (await db.prisma.taskSet.findMany({ select: { id: true } })).map((s) => s.id);
      if (rest[0] && !(await db.prisma.taskSet.findUnique({ where: { id: rest[0] } })))
        throw new BadInputError(`没有任务集「${rest[0]}」`);
      const results = [];
      for (const id of sets) {
        const count = await db.prisma.task.count({ where: { taskSetId: id } });
        const bar = progress(`核对 ${id}`, count);
        results.push(await verifyTaskSet(client, db.prisma, id, () => bar.tick()));
        bar.done();
      }
      const bad = results.reduce((n, r) => n + r.discrepancies.length, 0);
      const human = results
        .map((r) =>
          [
            `任务集 ${r.taskSetId}：${r.tasks} 项，核对 ${r.checked} 项，一致 ${r.agreeing} 项，未启动 ${r.notStarted} 项；邮件 历史 ${r.mailsOrdered} 封 / 发送记录 ${r.mailsRecorded} 封`,
            ...r.discrepancies.map(
              (d) =>
                `  ✘ 第 ${d.seq} 项（${d.workflowId}）${d.what}：历史 ${JSON.stringify(d.history)}，数据库 ${JSON.stringify(d.database)}`,
            ),
          ].join('\n'),
        )
        .join('\n');
      ctx.result(
        { ok: bad === 0, taskSets: results },
        bad ? `${human}\n数据库与历史不一致之处：${bad}` : `${human}\n数据库与历史一致。`,
      );
      return bad ? 1 : 0;
    } finally {
      await db.close();
    }
  } finally {
    await client.connection.close();
  }
}
