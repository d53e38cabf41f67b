// Hostile command lines and web requests (issue 11) against one running
// stack: a Temporal dev server, the machine's PostgreSQL, and `duban web` as
// a process. CLI cases run the real `./duban` entry (bin/duban.js), two at a
// time; each expects its exit code and Chinese words, and never a library's
// English (Prisma's call dump, Node's ENOENT, Temporal's "workflow not found
// for ID"). Web cases expect a status and the page's words, the input kept
// where it came by the form, and the stack still serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../helpers/postgres.ts';
import { freePort } from '../helpers/ports.ts';
import { WebSession } from '../helpers/web.ts';
import { addUser } from '../../client/web/auth/accounts.ts';
import { signReplyToken, tokenReference } from '../../lib/mail/tokens.ts';
import { zip } from './zip.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 's'.repeat(40);
const SET = '2022-stack';
const OFFICE = { name: 'hostile', password: 'hostile-pass-2022' };

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let web: ChildProcess | undefined;
let processEnv: NodeJS.ProcessEnv;
let deskUrl: string;
let publicUrl: string;
const work = mkdtempSync(path.join(tmpdir(), 'duban-hostile-stack-'));
/**
 * A case's input file under its own name, in a folder of its own: cases run
 * two at a time, and two writing the same name (u.csv) would let one read the
 * other's half-written file.
 */
const file = (name: string, content: Buffer | string) => {
  const p = path.join(mkdtempSync(path.join(work, 'case-')), name);
  writeFileSync(p, content);
  return p;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function duban(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/duban.js'), ...args], {
      cwd: work,
      env: { ...processEnv, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs every case's command, `lanes` processes at a time. */
async function runAll<T>(items: T[], lanes: number, f: (item: T) => Promise<Run>): Promise<Run[]> {
  const out: Run[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

/** A library's English or a stack trace leaking to a person. */
const LEAK =
  /Invalid `prisma|prisma\.\w+\.\w+\(|\n\s+at |ENOENT|EISDIR|ENOTDIR|not found for ID|TypeError|SyntaxError|ERR_PARSE_ARGS|Unknown option|Invalid string length/;

const UNITS_CSV =
  '单位代码,单位名称,别名,类型,联系邮箱,分管领导邮箱,成员单位\nD04,区科技局,,区级部门,kjj@units.test,,\n';
const TASKS_HEADER = '序号,类别,分组,工作任务,牵头单位,配合单位,完成时限\n';

interface CliCase {
  name: string;
  args: () => string[];
  env?: NodeJS.ProcessEnv;
  code: number;
  /** on stderr (or stdout for import's list of errors) */
  says: RegExp;
}

const cliCases: CliCase[] = [
  {
    name: 'an unknown workflow',
    args: () => ['task', 'show', `duban/${SET}/404`],
    code: 1,
    says: /找不到|不存在|没有/,
  },
  {
    name: 'report --as-of 2022-13-45',
    args: () => ['report', SET, '--as-of', '2022-13-45'],
    code: 2,
    says: /错误：--as-of 应为日期 YYYY-MM-DD，而不是「2022-13-45」/,
  },
  {
    name: 'report --as-of 2022-02-30',
    args: () => ['report', SET, '--as-of', '2022-02-30'],
    code: 2,
    says: /--as-of 应为日期/,
  },
  {
    name: 'report --as-of in words',
    args: () => ['report', SET, '--as-of', '昨天'],
    code: 2,
    says: /--as-of 应为日期 YYYY-MM-DD，而不是「昨天」/,
  },
  {
    name: 'report --out into a folder that does not exist',
    args: () => ['report', SET, '--out', path.join(work, 'no-such-folder', 'r.md')],
    code: 2,
    says: /无法写入 .*r\.md：所在的文件夹 .*no-such-folder 不存在/,
  },
  {
    name: 'report --out onto a folder',
    args: () => ['report', SET, '--out', work],
    code: 2,
    says: /这是一个目录，请给出文件名/,
  },
  {
    name: 'report --out under a file',
    args: () => ['report', SET, '--out', path.join(file('plain.txt', 'x'), 'r.md')],
    code: 2,
    says: /不是文件夹/,
  },
  {
    name: 'report --format pdf',
    args: () => ['report', SET, '--format', 'pdf'],
    code: 2,
    says: /--format 应为 md、html、xlsx 或 json/,
  },
  {
    name: 'report --kind without a value',
    args: () => ['report', SET, '--kind'],
    code: 2,
    says: /选项 --kind 需要一个值/,
  },
  {
    name: 'report of a set that does not exist',
    args: () => ['report', '2022-nothing'],
    code: 2,
    says: /没有任务集「2022-nothing」/,
  },
  {
    name: 'inbox apply 99999999999999',
    args: () => ['inbox', 'apply', '99999999999999', '--by', '张三'],
    code: 2,
    says: /没有编号为 99999999999999 的收件/,
  },
  {
    name: 'inbox apply -5',
    args: () => ['inbox', 'apply', '-5', '--by', '张三'],
    code: 2,
    says: /未知选项 -5|收件编号/,
  },
  {
    name: 'inbox apply abc',
    args: () => ['inbox', 'apply', 'abc', '--by', '张三'],
    code: 2,
    says: /请给出一个收件编号/,
  },
  {
    name: 'inbox apply without --by',
    args: () => ['inbox', 'apply', '1'],
    code: 2,
    says: /请用 --by 写明核实人/,
  },
  {
    name: 'inbox parse the zero device',
    args: () => ['inbox', 'parse', '/dev/zero'],
    code: 2,
    says: /不是普通文件/,
  },
  {
    name: 'inbox parse a folder',
    args: () => ['inbox', 'parse', work],
    code: 2,
    says: /这是一个目录，不是邮件文件/,
  },
  {
    name: 'inbox parse a missing file',
    args: () => ['inbox', 'parse', path.join(work, 'none.eml')],
    code: 2,
    says: /无法读取邮件文件 .*none\.eml：文件不存在/,
  },
  {
    name: 'inbox parse a mail over MAIL_MAX_BYTES',
    args: () => ['inbox', 'parse', file('big.eml', `Subject: x\r\n\r\n${'x'.repeat(5000)}\r\n`)],
    env: { MAIL_MAX_BYTES: '1024' },
    code: 2,
    says: /big\.eml：有 5016 字节，超过 1024 字节的上限（MAIL_MAX_BYTES）/,
  },
  {
    name: 'import a folder',
    args: () => {
      mkdirSync(path.join(work, 'a-folder'), { recursive: true });
      return ['import', path.join(work, 'a-folder'), '--units', file('u.csv', UNITS_CSV), '--year', '2022'];
    },
    code: 2,
    says: /a-folder 是目录，不是表格文件/,
  },
  {
    name: 'import the zero device',
    args: () => ['import', '/dev/zero', '--units', file('u.csv', UNITS_CSV), '--year', '2022'],
    code: 2,
    says: /zero 第 1 行|零字节/,
  },
  {
    name: 'import a zip bomb',
    args: () => [
      'import',
      file(
        'bomb.xlsx',
        zip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(3 * 1024 * 1024, 0x20) }]),
      ),
      '--units',
      file('u.csv', UNITS_CSV),
      '--year',
      '2022',
    ],
    env: { IMPORT_MAX_UNCOMPRESSED_BYTES: String(1024 * 1024) },
    code: 2,
    says: /bomb\.xlsx：Excel 文件解压后超过 1 MB 的上限.*疑似压缩炸弹/,
  },
  {
    name: 'import a cell over IMPORT_MAX_CELL_CHARS',
    args: () => [
      'import',
      file('long.csv', `${TASKS_HEADER}1,重点工作,,${'长'.repeat(150)},区科技局,,2022-12-31\n`),
      '--units',
      file('u.csv', UNITS_CSV),
      '--year',
      '2022',
    ],
    env: { IMPORT_MAX_CELL_CHARS: '100' },
    code: 2,
    says: /long\.csv 第 2 行 「工作任务」列.*150 个字符，超过 100 字的上限/,
  },
  {
    name: 'import a 2099 deadline',
    args: () => [
      'import',
      file('late.csv', `${TASKS_HEADER}1,重点工作,,一项,区科技局,,2099-12-31\n`),
      '--units',
      file('u.csv', UNITS_CSV),
      '--year',
      '2022',
    ],
    code: 2,
    says: /late\.csv 第 2 行 「完成时限」列（值：2099-12-31）：完成时限 2099-12-31 超出 2022 年任务集的范围/,
  },
  {
    name: 'import --year 20222',
    args: () => ['import', 'x.csv', '--units', 'u.csv', '--year', '20222'],
    code: 2,
    says: /无效的 --year/,
  },
  { name: 'a misspelt option', args: () => ['status', '--bogus'], code: 2, says: /未知选项 --bogus/ },
  {
    name: 'a switch given a value',
    args: () => ['import', 'x.csv', '--apply=yes'],
    code: 2,
    says: /选项 --apply 不带值/,
  },
  { name: 'an unknown command', args: () => ['frobnicate'], code: 2, says: /未知命令：frobnicate/ },
  {
    name: 'a database that was never migrated',
    args: () => ['status'],
    env: { DATABASE_URL: PG_ADMIN_URL },
    code: 1,
    says: /数据库的表结构与程序不符（(错误码 P2021|SQLSTATE 42P01)）：请先运行 duban migrate/,
  },
  {
    name: 'a bad limit in the environment',
    args: () => ['status'],
    env: { IMPORT_MAX_CELL_CHARS: 'lots' },
    code: 2,
    says: /配置错误：环境变量 IMPORT_MAX_CELL_CHARS 的值 "lots" 无效/,
  },
];

export const CLI_CASES = cliCases.length;

let cliRuns: Run[] = [];

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

let workflowToken: string;
let expiredToken: string;

beforeAll(async () => {
  [env, db] = await Promise.all([localDevEnv(), createTestDatabase('duban_hostile_stack')]);
  const [webPort, publicPort] = [await freePort(), await freePort()];
  processEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DUBAN_HOME: path.join(work, 'home'),
    DATABASE_URL: db.url,
    TOKEN_SECRET: SECRET,
    TEMPORAL_ADDRESS: env.address,
    SMTP_URL: 'smtp://127.0.0.1:9',
    WEB_PORT: String(webPort),
    PUBLIC_PORT: String(publicPort),
    DUBAN_SAMPLE: 'false',
  };
  deskUrl = `http://localhost:${webPort}`;
  publicUrl = `http://localhost:${publicPort}`;
  await db.prisma.taskSet.create({
    data: { id: SET, name: '测试', year: 2022, sourceFile: 'x', sourceHash: 'x' },
  });
  await addUser(db.prisma, { name: OFFICE.name, role: 'office', password: OFFICE.password }, 'test');
  // a token for a task whose workflow was never started: the form keeps the post and says so
  workflowToken = signReplyToken(
    { workflowId: `duban/${SET}/9`, unit: '区科技局', period: '2022-06', expiresAt: Date.now() + 86_400_000 },
    SECRET,
  );
  expiredToken = signReplyToken(
    { workflowId: `duban/${SET}/9`, unit: '区科技局', period: '2022-05', expiresAt: 1000 },
    SECRET,
  );
  web = spawn(process.execPath, [path.join(root, 'bin/duban.js'), 'web'], {
    cwd: work,
    env: processEnv,
    stdio: 'ignore',
  });
  // CLI cases while the web server starts: two processes at a time
  [cliRuns] = await Promise.all([
    runAll(cliCases, 2, (c) => duban(c.args(), c.env)),
    waitFor(`${deskUrl}/health`),
    waitFor(`${publicUrl}/help/units`),
  ]);
}, 180_000);

afterAll(async () => {
  web?.kill('SIGTERM');
  await db?.drop();
  await env?.teardown();
  rmSync(work, { recursive: true, force: true });
});

describe('hostile command lines: exit code and Chinese words, no library English', () => {
  it.each(cliCases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const run = cliRuns[i]!;
    const said = run.stderr + run.stdout;
    expect(said).toMatch(c.says);
    expect(run.code, said).toBe(c.code);
    expect(said).not.toMatch(LEAK);
  });
});

interface WebCase {
  name: string;
  /** the units' listener or the signed-in desk */
  on: 'public' | 'desk' | 'anonymous';
  method: 'GET' | 'POST' | 'PUT';
  path: () => string;
  form?: () => Record<string, string>;
  headers?: Record<string, string>;
  body?: () => string;
  status: number;
  says: RegExp;
  /** the form post is kept: a row of source "web" */
  kept?: boolean;
}

const long = (n: number) => '长'.repeat(n);
const webCases: WebCase[] = [
  {
    name: 'a token of garbage',
    on: 'public',
    method: 'GET',
    path: () => '/reply/zzzz',
    status: 403,
    says: /链接/,
  },
  {
    name: 'a token with its unused bits set',
    on: 'public',
    method: 'GET',
    path: () => {
      const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
      const last = ALPHABET.indexOf(workflowToken.at(-1)!);
      return `/reply/${workflowToken.slice(0, -1)}${ALPHABET[last | 1] === workflowToken.at(-1) ? ALPHABET[last | 2] : ALPHABET[last | 1]}`;
    },
    status: 403,
    says: /链接/,
  },
  {
    name: 'the token in capitals',
    on: 'public',
    method: 'GET',
    path: () => `/reply/${workflowToken.toUpperCase()}`,
    status: 403,
    says: /链接/,
  },
  {
    name: 'an expired token',
    on: 'public',
    method: 'GET',
    path: () => `/reply/${expiredToken}`,
    status: 403,
    says: /过期/,
  },
  {
    name: 'a forged token',
    on: 'public',
    method: 'GET',
    path: () =>
      `/reply/${signReplyToken({ workflowId: `duban/${SET}/9`, unit: '区科技局', period: '2022-06', expiresAt: Date.now() + 9e7 }, 'x'.repeat(40))}`,
    status: 403,
    says: /链接/,
  },
  {
    name: 'a token of 5,000 characters',
    on: 'public',
    method: 'GET',
    path: () => `/reply/${'a'.repeat(5000)}`,
    status: 414,
    says: /链接过长/,
  },
  {
    name: 'a desk path of 5,000 characters',
    on: 'desk',
    method: 'GET',
    path: () => `/tasks/${'9'.repeat(5000)}`,
    status: 414,
    says: /链接过长/,
  },
  {
    name: 'a malformed escape in a path',
    on: 'public',
    method: 'GET',
    path: () => '/reply/%E0%A4%A',
    status: 400,
    says: /链接格式有误/,
  },
  {
    name: 'a token with a NUL',
    on: 'public',
    method: 'GET',
    path: () => `/reply/abc%00def`,
    status: 403,
    says: /链接/,
  },
  {
    name: 'a path out of the site',
    on: 'public',
    method: 'GET',
    path: () => '/../../etc/passwd',
    status: 404,
    says: /./,
  },
  {
    name: "the desk on the units' listener",
    on: 'public',
    method: 'GET',
    path: () => '/inbox',
    status: 404,
    says: /./,
  },
  {
    name: 'PUT on the form',
    on: 'public',
    method: 'PUT',
    path: () => `/reply/${workflowToken}`,
    status: 405,
    says: /不支持的请求方法/,
  },
  {
    name: 'a report without a status',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ text: '进展' }),
    status: 400,
    says: /请选择状态/,
  },
  {
    name: 'a percent of 101',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '推进中', percent: '101', text: '进展' }),
    status: 400,
    says: /进度应为 0 到 100 的整数/,
  },
  {
    name: 'a percent of 1e2',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '推进中', percent: '1e2', text: '进展' }),
    status: 400,
    says: /进度应为 0 到 100 的整数/,
  },
  {
    name: 'a 具体进展 of 30,000 characters',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '推进中', text: long(30_000) }),
    status: 400,
    says: /具体进展过长（30000 字，最多 20000 字）/,
  },
  {
    name: 'a 原因 of 3,000 characters',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '未完成', text: '进展', reason: long(3000) }),
    status: 400,
    says: /原因说明过长/,
  },
  {
    name: 'a text of only NUL bytes',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '推进中', text: '\u0000\u0000' }),
    status: 400,
    says: /请填写具体进展/,
  },
  {
    name: 'a body over the size limit',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: () => `status=x&text=${'a'.repeat(2 * 1024 * 1024)}`,
    status: 413,
    says: /./,
  },
  {
    name: 'an extension to a day that does not exist',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}/extension`,
    form: () => ({ newDeadline: '2022-02-30', reason: '理由' }),
    status: 400,
    says: /请填写申请延至的日期/,
  },
  {
    name: 'a good report with NUL bytes, for a task whose workflow is gone: kept, and told',
    on: 'public',
    method: 'POST',
    path: () => `/reply/${workflowToken}`,
    form: () => ({ status: '推进中', text: '进\u0000展<script>alert(1)</script>' }),
    status: 409,
    says: /./,
    kept: true,
  },
  {
    name: 'a stranger Host header',
    on: 'public',
    method: 'GET',
    path: () => '/help/units',
    headers: { host: 'evil.test' },
    status: 421,
    says: /主机名不符/,
  },
  {
    name: 'a stranger Host header on the desk',
    on: 'anonymous',
    method: 'GET',
    path: () => '/signin',
    headers: { host: 'evil.test:3000' },
    status: 421,
    says: /主机名不符/,
  },
  {
    name: 'the desk without signing in',
    on: 'anonymous',
    method: 'GET',
    path: () => '/inbox',
    status: 303,
    says: /^$/,
  },
  {
    name: 'a post to the desk without signing in',
    on: 'anonymous',
    method: 'POST',
    path: () => '/inbox/1/apply',
    form: () => ({}),
    status: 401,
    says: /请先登录/,
  },
  {
    name: 'an outcome filter with a script',
    on: 'desk',
    method: 'GET',
    path: () => `/inbox?outcome=${encodeURIComponent('<script>alert(1)</script>')}`,
    status: 400,
    says: /结果筛选「&lt;script&gt;alert\(1\)&lt;\/script&gt;」无效/,
  },
  {
    name: 'a task that does not exist',
    on: 'desk',
    method: 'GET',
    path: () => '/tasks/99999999999999',
    status: 404,
    says: /./,
  },
  {
    name: 'a message id past PostgreSQL integers',
    on: 'desk',
    method: 'GET',
    path: () => '/inbox/99999999999999',
    status: 404,
    says: /./,
  },
  {
    name: 'letting through a message that does not exist',
    on: 'desk',
    method: 'POST',
    path: () => '/inbox/99999999999999/apply',
    form: () => ({}),
    status: 404,
    says: /没有编号为 99999999999999 的收件/,
  },
  {
    name: 'a desk post without its form token',
    on: 'desk',
    method: 'POST',
    path: () => '/inbox/1/apply',
    form: () => ({ _csrf: 'forged' }),
    status: 403,
    says: /./,
  },
];

function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
}

export const WEB_CASES = webCases.length;

describe("hostile web requests: a status and the page's words; the form's input kept", () => {
  let desk: WebSession;
  beforeAll(async () => {
    desk = await new WebSession(deskUrl).signIn(OFFICE.name, OFFICE.password);
  });

  it.each(webCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const base = c.on === 'public' ? publicUrl : deskUrl;
    let status: number;
    let text: string;
    if (c.on === 'desk' && c.method === 'POST') {
      await desk.get('/inbox');
      const page = await desk.post(c.path(), c.form?.() ?? {});
      ({ status, body: text } = page);
    } else if (c.on === 'desk') {
      ({ status, body: text } = await desk.get(c.path()));
    } else if (c.headers?.host) {
      // fetch will not send another Host: a raw request does
      ({ status, text } = await rawGet(base + c.path(), c.headers));
    } else {
      const res = await fetch(base + c.path(), {
        method: c.method,
        redirect: 'manual',
        headers: { ...(c.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...c.headers },
        ...(c.form ? { body: new URLSearchParams(c.form()).toString() } : c.body ? { body: c.body() } : {}),
      });
      status = res.status;
      text = await res.text();
    }
    expect(status, text.slice(0, 300)).toBe(c.status);
    expect(text).toMatch(c.says);
    // escaped: nothing of an input comes back as markup
    expect(text).not.toContain('<script>alert(1)</script>');
    if (c.kept) {
      const rows = await db.prisma.inboundMessage.findMany({ where: { source: 'web' } });
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.workflowId === `duban/${SET}/9`)).toBe(true);
    }
  });

  it('the stack still serves', async () => {
    expect((await fetch(`${deskUrl}/signin`)).status).toBe(200);
    expect((await fetch(`${publicUrl}/help/units`)).status).toBe(200);
    expect(tokenReference(workflowToken)).toMatch(/^[a-z2-7]{12}$/);
  });
});
