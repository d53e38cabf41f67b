// The CLI contract (DESIGN.md): with --json, one JSON document on stdout and
// human text on stderr; exit 0 ok, 1 failure, 2 bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { debugEnabled } from '../lib/config.ts';
import { BadInputError, DubanError, detailsOf, exitCodeOf, kindOf, messageOf } from '../lib/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface CommandContext {
  json: boolean;
  /** human text: always stderr, so stdout stays one JSON document */
  say(text: string): void;
  /** the result: JSON on stdout with --json, else the human rendering on stdout */
  result(json: unknown, human?: string): void;
}

export function createContext(json: boolean): CommandContext {
  return {
    json,
    say: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    result(value, human) {
      if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
      else if (human !== undefined) process.stdout.write(human.endsWith('\n') ? human : human + '\n');
      else process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
  };
}

/**
 * Prints a failure as the contract says and returns its exit code. The kind
 * decides everything (lib/errors.ts): the exit code, and whether it is the
 * person's input (错误) or Duban's own trouble (失败).
 */
export function reportError(err: unknown, ctx: CommandContext): number {
  const kind = kindOf(err);
  const message = personMessage(err);
  ctx.say(`${kind === 'BadInput' || kind === 'Refused' ? '错误' : '失败'}：${message}`);
  if (debugEnabled() && err instanceof Error && message !== err.message) ctx.say(err.message);
  if (!kind && debugEnabled() && err instanceof Error) ctx.say(err.stack ?? '');
  if (ctx.json)
    process.stdout.write(
      JSON.stringify({ error: message, kind: kind ?? 'Internal', ...detailsOf(err) }, null, 2) + '\n',
    );
  return exitCodeOf(err);
}

const CJK = /[\u3400-\u9fff]/;

/**
 * The message a person reads: Duban's own (Chinese) as it is; a library's
 * English (Temporal's "workflow not found for ID…", Prisma's call dump with
 * source lines, Node's system errors) said in Chinese by its kind, never
 * passed on. DUBAN_DEBUG=1 prints the original with the stack.
 */
export function personMessage(err: unknown): string {
  const message = messageOf(err);
  const kind = kindOf(err);
  if (err instanceof DubanError || (CJK.test(message) && !/\n\s*\d+\s*[|→]/.test(message))) return message;
  const carrier = carrierOf(err);
  if (kind === 'NotFound') {
    const workflowId = (carrier as { workflowId?: unknown } | undefined)?.workflowId;
    return typeof workflowId === 'string'
      ? `找不到任务工作流 ${workflowId}（编号有误，或任务尚未启动）`
      : '找不到要操作的对象';
  }
  if (kind === 'Unavailable') return '无法连接 Temporal 服务，请确认它正在运行（duban health 可检查各组件）';
  if (kind === 'Conflict') {
    const workflowId = (carrier as { workflowId?: unknown } | undefined)?.workflowId;
    return typeof workflowId === 'string' ? `任务工作流 ${workflowId} 已在运行` : '与当前状态冲突';
  }
  if (kind) return `操作未完成（${kind}）`;
  const name = err instanceof Error ? err.name : typeof err;
  const code = (err as { code?: unknown } | null)?.code;
  // a driver adapter's PostgreSQL error carries its SQLSTATE
  const sqlState = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState)) {
    if (sqlState === '42P01' || sqlState === '42703')
      return `数据库的表结构与程序不符（SQLSTATE ${sqlState}）：请先运行 duban migrate`;
    if (sqlState.startsWith('08')) return `无法连接数据库（SQLSTATE ${sqlState}）`;
    return `数据库操作失败（SQLSTATE ${sqlState}）；加 DUBAN_DEBUG=1 重试可看到详情`;
  }
  // Prisma's codes for a table or a column that is not there: the schema is older than the program
  if (code === 'P2021' || code === 'P2022')
    return `数据库的表结构与程序不符（错误码 ${code}）：请先运行 duban migrate`;
  if (/^PrismaClient/.test(name) || (typeof code === 'string' && /^P\d{4}$/.test(code)))
    return `数据库操作失败${typeof code === 'string' ? `（错误码 ${code}）` : ''}；加 DUBAN_DEBUG=1 重试可看到详情`;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return `系统错误（${code}）；加 DUBAN_DEBUG=1 重试可看到详情`;
  return `内部错误（${name}）；加 DUBAN_DEBUG=1 重试可看到详情`;
}

/** The error along the chain that carries the kind (Temporal's own, say), or the error itself. */
function carrierOf(err: unknown): unknown {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if ('workflowId' in e) return e;
  }
  return err;
}

/**
 * node:util parseArgs for a command, with its mistakes told in Chinese, each
 * naming the option (an unknown option, a missing value, a value given to a
 * switch) and followed by the command's usage: bad input, exit 2. Node's own
 * messages are English, so the arguments are checked from parseArgs' tokens
 * instead of passing its errors on.
 */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
) {
  const { tokens } = parseArgs({ args, allowPositionals: true, options, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) throw new BadInputError(`未知选项 ${token.rawName}\n${usage}`, { option: token.rawName });
    if (spec.type === 'string' && token.value === undefined) {
      throw new BadInputError(`选项 ${token.rawName} 需要一个值\n${usage}`, { option: token.rawName });
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new BadInputError(`选项 ${token.rawName} 不带值（收到「${token.value}」）\n${usage}`, {
        option: token.rawName,
      });
    }
  }
  try {
    return parseArgs({ args, allowPositionals: true, options, strict: true });
  } catch (err) {
    // what is left is rare (a value that looks like an option): said in our words
    throw new BadInputError(`参数有误：${args.join(' ')}\n${usage}`, undefined, { cause: err });
  }
}
