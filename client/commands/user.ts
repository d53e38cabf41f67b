// `duban user add <用户名> --role office|auditor` · `duban user list` ·
// `duban user passwd <用户名>` · `duban user disable|enable <用户名>`: the
// accounts of the office's desk. A password is typed at a prompt that does
// not echo it (on a terminal), or read from the first line of standard input
// (`echo "$PW" | duban user add …`), never from the command line.
import { userInfo } from 'node:os';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { BadInputError, kindOf, messageOf } from '../../lib/errors.ts';
import { EXIT_OK, parseCommandArgs, type CommandContext } from '../output.ts';
import { addUser, listUsers, ROLE_LABEL, setDisabled, setPassword } from '../web/auth/accounts.ts';
import { passwordProblem } from '../web/auth/passwords.ts';

const USAGE = [
  '用法：duban user <动作> …',
  '  add <用户名> --role office|auditor   新建账号（office 督查室：可办理；auditor 审计：只读）',
  '  list                                  列出账号',
  '  passwd <用户名>                        重设密码（该账号已登录的会话全部失效）',
  '  disable <用户名> | enable <用户名>      停用 / 重新启用账号',
  '密码在终端中输入（不回显，输入两次）；非终端时取标准输入的第一行。',
].join('\n');

/** A line typed without echo (raw mode), Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // no echo before the question shows, so nothing typed at once is echoed
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          return reject(new BadInputError('已取消，未做任何改动'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The first line of standard input (a script's way to give the password). */
async function firstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('密码：');
    const problem = passwordProblem(first);
    if (problem) throw new BadInputError(problem);
    const again = await promptHidden('再输入一次：');
    if (again !== first) throw new BadInputError('两次输入的密码不一致，未做任何改动');
    return first;
  }
  const line = await firstLine();
  if (!line) throw new BadInputError('没有读到密码：请在终端中运行，或从标准输入的第一行给出密码');
  const problem = passwordProblem(line);
  if (problem) throw new BadInputError(problem);
  return line;
}

const actor = () => {
  let who = '';
  try {
    who = userInfo().username;
  } catch {
    // no user name on this system: the command alone says who
  }
  return who ? `duban user（${who}）` : 'duban user';
};

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { role: { type: 'string' } }, USAGE);
  const [action, name, ...extra] = positionals;
  if (!action || extra.length) throw new BadInputError(USAGE);
  if (action !== 'list' && !name) throw new BadInputError(`请给出用户名\n${USAGE}`);
  if (!['add', 'list', 'passwd', 'disable', 'enable'].includes(action))
    throw new BadInputError(`未知动作「${action}」\n${USAGE}`);
  if (action === 'add' && !values.role) throw new BadInputError(`缺少 --role office|auditor\n${USAGE}`);
  if (action !== 'add' && values.role) throw new BadInputError(`--role 只用于 add\n${USAGE}`);
  // the password first: nothing is opened while a person types
  const password = action === 'add' || action === 'passwd' ? await readPassword() : undefined;
  const db = await openDatabase(loadConfig());
  try {
    const prisma = db.prisma;
    switch (action) {
      case 'add': {
        const user = await addUser(prisma, { name: name!, role: values.role!, password: password! }, actor());
        ctx.result(user, `已新建${ROLE_LABEL[user.role]}账号「${user.name}」。`);
        break;
      }
      case 'list': {
        const users = await listUsers(prisma);
        ctx.result(
          { users },
          users.length
            ? users
                .map(
                  (u) =>
                    `${u.name}\t${ROLE_LABEL[u.role]}\t${u.disabled ? '已停用' : '可用'}\t最近登录 ${u.lastSignInAt ?? '从未'}`,
                )
                .join('\n')
            : '还没有账号。用 duban user add <用户名> --role office 创建。',
        );
        break;
      }
      case 'passwd':
        await setPassword(prisma, name!, password!, actor());
        ctx.result({ name, passwordChanged: true }, `已重设「${name}」的密码；其已登录的会话全部失效。`);
        break;
      case 'disable':
      case 'enable':
        await setDisabled(prisma, name!, action === 'disable', actor());
        ctx.result(
          { name, disabled: action === 'disable' },
          action === 'disable' ? `已停用账号「${name}」，其会话全部失效。` : `已重新启用账号「${name}」。`,
        );
        break;
    }
    return EXIT_OK;
  } catch (err) {
    // an argument naming an account that does not exist is the person's input (exit 2)
    if (kindOf(err) === 'NotFound') throw new BadInputError(messageOf(err), { name }, { cause: err });
    throw err;
  } finally {
    await db.close();
  }
}
