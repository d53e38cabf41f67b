// `duban inbox parse <file.eml>`: what the reply parser reads from one raw
// message (DESIGN.md contract). `duban inbox ingest <file.eml…>`: mail saved
// by hand goes through the same pipeline as IMAP and SMTP (ingestRaw).
// `duban inbox apply <id> --by <name>`: the office lets a held reply through.
// `duban inbox list [--outcome …]`: every message with its sender, subject,
// and the outcome as the workflow decided it (an auditor's command: read-only).
// Failures keep their kind (lib/errors.ts) and reportError prints them.
import { readFile, stat } from 'node:fs/promises';
import { limitsFromEnv } from '../../lib/config.ts';
import { parseCommandArgs, type CommandContext } from '../output.ts';
import { BadInputError, detailsOf, kindOf, messageOf } from '../../lib/errors.ts';
import { parseContract, parseReply } from '../../lib/mail/parse/index.ts';

export const USAGE =
  '用法：duban inbox parse <file.eml> [--json] | duban inbox ingest <file.eml…> [--json] | duban inbox apply <收件编号> --by <核实人> [--json] | duban inbox list [--outcome <结果>[,<结果>…]] [--json]' +
  '\n  parse 显示解析结果；ingest 把保存的邮件按收信流程登记并送达任务；apply 由督查室核实后放行待核实的回复；list 列出收件及其结果。';

/** Why a file could not be read, by the system's error code (the English message is not for a person). */
const READ_FAILURE: Record<string, string> = {
  ENOENT: '文件不存在',
  EACCES: '没有读取权限',
  EPERM: '没有读取权限',
  EISDIR: '这是一个目录，不是邮件文件',
};

async function readEml(file: string, limit = limitsFromEnv().mailBytes): Promise<Buffer> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    // a device or a pipe (the zero device) never ends: only files are read
    if (!st.isFile())
      throw new BadInputError(`无法读取邮件文件 ${file}：不是普通文件`, { error: '无法读取邮件文件', file });
    if (st.size > limit)
      throw new BadInputError(
        `无法读取邮件文件 ${file}：有 ${st.size} 字节，超过 ${limit} 字节的上限（MAIL_MAX_BYTES）`,
        { error: '邮件过大', file },
      );
    return await readFile(file);
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new BadInputError(
      `无法读取邮件文件 ${file}：${READ_FAILURE[code] ?? `读取失败（${code || (err as Error).message}）`}`,
      { error: '无法读取邮件文件', file },
      { cause: err },
    );
  }
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'parse') return parse(rest, ctx);
  if (sub === 'ingest') return ingest(rest, ctx);
  if (sub === 'apply') return apply(rest, ctx);
  if (sub === 'list') return list(rest, ctx);
  throw new BadInputError(sub ? `未知的 inbox 子命令：${sub}。${USAGE}` : USAGE);
}

async function parse(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, USAGE);
  if (positionals.length !== 1) throw new BadInputError(`请给出一个 .eml 文件。${USAGE}`);
  const file = positionals[0]!;
  const parsed = await parseReply(await readEml(file));
  const json = parseContract(parsed);
  const human = [
    `邮件：${json.messageId}`,
    `发件人：${json.from ?? '（无）'}`,
    `主题：${json.subject}`,
    `令牌：${json.token ?? '（无）'}${json.reference ? `\u3000主题引用：${json.reference}` : ''}`,
    parsed.bounce
      ? `退信：是（失败地址：${parsed.bounceRecipients.join('、') || '未知'}）`
      : parsed.autoReply
        ? '自动回复：是（不作为报告）'
        : `状态：${json.status ?? '（未写明，按“推进中”叙述性报告处理，待人工核对）'}${parsed.statusWord && parsed.statusWord !== json.status ? `（原文“${parsed.statusWord}”）` : ''}\u3000进度：${json.percent === null ? '（未写明）' : json.percent + '%'}`,
    ...(json.reason ? [`原因：${json.reason}`] : []),
    `附件：${json.attachments.length ? json.attachments.map((a) => `${a.filename}（${a.contentType}，${a.size} 字节）`).join('、') : '无'}`,
    '正文（已去除引用和签名）：',
    json.text || '（空）',
  ].join('\n');
  ctx.result(json, human);
  return 0;
}

async function ingest(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, USAGE);
  if (positionals.length === 0) throw new BadInputError(`请给出至少一个 .eml 文件。${USAGE}`);
  const raws = await Promise.all(positionals.map(async (file) => ({ file, raw: await readEml(file) })));
  const { ingestFiles } = await import('../inbox/ingest-files.ts');
  const results = await ingestFiles(raws, (line) => ctx.say(line));
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  ctx.result(
    { messages: results.length, counts, results },
    results
      .map(
        (r) =>
          `${r.file}：${OUTCOME_LABEL[r.outcome] ?? r.outcome}${r.duplicate ? '（此前已处理，未重复处理）' : ''}${r.reason ? `\u3000${r.reason}` : ''}`,
      )
      .join('\n'),
  );
  return results.some((r) => r.outcome === 'pending') ? 1 : 0;
}

async function apply(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { by: { type: 'string' } }, USAGE);
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0)
    throw new BadInputError(`请给出一个收件编号（网页“收件”页面中的编号）。${USAGE}`);
  if (!values.by?.trim()) throw new BadInputError(`请用 --by 写明核实人。${USAGE}`);
  const { applyHeldMessage } = await import('../inbox/ingest-files.ts');
  let outcome;
  try {
    outcome = await applyHeldMessage(id, values.by.trim());
  } catch (err) {
    // the id on the command line names no message: the person's input, exit 2
    if (kindOf(err) === 'NotFound') throw new BadInputError(messageOf(err), detailsOf(err), { cause: err });
    throw err;
  }
  ctx.result(outcome, `收件 ${id} 已放行：${outcome.workflowId} ${outcome.unit} ${outcome.period}`);
  return 0;
}

/** `--outcome refused,held` or the Chinese words (已拒收、待督查室核实): the outcomes to list. */
function outcomesOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const byLabel = new Map(Object.entries(OUTCOME_LABEL).map(([k, label]) => [label, k]));
  const words = value
    .split(/[,，、]/)
    .map((w) => w.trim())
    .filter(Boolean);
  if (!words.length) throw new BadInputError(`--outcome 需要一个结果。${USAGE}`);
  return words.map((w) => {
    const key = OUTCOME_LABEL[w] ? w : byLabel.get(w);
    if (!key)
      throw new BadInputError(
        `未知的收件结果「${w}」；可选：${Object.entries(OUTCOME_LABEL)
          .map(([k, label]) => `${k}（${label}）`)
          .join('、')}`,
        { outcome: w },
      );
    return key;
  });
}

async function list(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { outcome: { type: 'string' } }, USAGE);
  if (positionals.length) throw new BadInputError(`inbox list 不接受其他参数。${USAGE}`);
  const outcomes = outcomesOf(values.outcome);
  const [{ loadConfig }, { openDatabase }, { listInbox }] = await Promise.all([
    import('../../lib/config.ts'),
    import('../../lib/db.ts'),
    import('../report/inbox-list.ts'),
  ]);
  // read-only: an auditor's command applies no migrations
  const db = await openDatabase(loadConfig(), { migrate: false });
  try {
    const messages = await listInbox(db.prisma, { outcomes });
    const counts: Record<string, number> = {};
    for (const m of messages) counts[m.outcome] = (counts[m.outcome] ?? 0) + 1;
    const chinaMinute = (iso: string) =>
      new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    const human = messages.length
      ? [
          ...messages.map(
            (m) =>
              `${String(m.id).padStart(5)}  ${chinaMinute(m.receivedAt)}  ${m.from ?? '（无发件人）'}  ${m.subject ?? '（无主题）'}\n       ${OUTCOME_LABEL[m.outcome] ?? m.outcome}${m.reason ? `：${m.reason}` : ''}${m.workflowId ? `\u3000${m.workflowId}${m.unit ? ` ${m.unit}` : ''}` : ''}`,
          ),
          '',
          `共 ${messages.length} 封：${Object.entries(counts)
            .map(([k, n]) => `${OUTCOME_LABEL[k] ?? k} ${n}`)
            .join('，')}`,
        ].join('\n')
      : outcomes
        ? '没有这种结果的收件。'
        : '收件箱为空。';
    ctx.result({ count: messages.length, counts, messages }, human);
    return 0;
  } finally {
    await db.close();
  }
}

export const OUTCOME_LABEL: Record<string, string> = {
  applied: '已报送',
  held: '待督查室核实',
  refused: '已拒收',
  'auto-reply': '自动回复（已忽略）',
  bounce: '退信',
  unparseable: '无法解析',
  failed: '处理失败（已重试，原始邮件已保存）',
  pending: '未处理完（可重试）',
};
