// `duban user` as an administrator runs it: a child process on a real
// PostgreSQL database, the password from standard input (a script's way; on a
// terminal it is asked without echo), JSON on stdout with --json, exit 2 for
// bad input. What it makes is what the desk signs in with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { signIn } from '../../client/web/auth/sign-in.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let db: TestDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(tmpdir(), 'duban-user-cli-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

function duban(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/duban.js'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        TOKEN_SECRET: 'user-cli-test-secret-0123456789abcdef',
        DUBAN_HOME: path.join(tmp, 'home'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('duban user', () => {
  it('adds an office and an auditor account; the password is hashed with argon2id, never stored', async () => {
    const add = await duban(['user', 'add', '张三', '--role', 'office', '--json'], 'zhangsan-pass-2022\n');
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: '张三', role: 'office', disabled: false });
    expect((await duban(['user', 'add', 'shenji', '--role', 'auditor'], 'auditor-pass-2022\n')).code).toBe(0);
    const row = await db.prisma.user.findUniqueOrThrow({ where: { name: '张三' } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain('zhangsan-pass-2022');
    expect((await signIn(db.prisma, '张三', 'zhangsan-pass-2022', {})).ok).toBe(true);
    const list = await duban(['user', 'list', '--json']);
    expect(
      JSON.parse(list.stdout).users.map((u: { name: string; role: string }) => [u.name, u.role]),
    ).toEqual([
      ['shenji', 'auditor'],
      ['张三', 'office'],
    ]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.add' } })).toBe(2);
  });

  it('refuses bad input with exit 2 and a Chinese message', async () => {
    // exit 2 for the person's input (an account that does not exist included), 1 for a conflict
    const cases: [string[], string, RegExp, number?][] = [
      [['user', 'add', 'li', '--role', 'boss'], 'long-enough-pass\n', /角色「boss」无效/],
      [['user', 'add', 'li', '--role', 'office'], 'short\n', /密码至少 10 个字符/],
      [['user', 'add', 'li', '--role', 'office'], '', /没有读到密码/],
      [['user', 'add', '张三', '--role', 'office'], 'another-pass-2022\n', /已存在/, 1],
      [['user', 'add', 'a b', '--role', 'office'], 'another-pass-2022\n', /用户名「a b」无效/],
      [['user', 'fly', 'x'], '', /未知动作「fly」/],
      [['user', 'passwd', 'nobody'], 'another-pass-2022\n', /没有用户「nobody」/],
    ];
    for (const [args, stdin, message, code = 2] of cases) {
      const run = await duban(args, stdin);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.code, args.join(' ')).toBe(code);
    }
  });

  it('a new password ends the sessions; a disabled account cannot sign in', async () => {
    const user = await db.prisma.user.findUniqueOrThrow({ where: { name: 'shenji' } });
    await db.prisma.session.create({
      data: { idHash: 'x'.repeat(64), userId: user.id, expiresAt: new Date(Date.now() + 3600_000) },
    });
    expect((await duban(['user', 'passwd', 'shenji'], 'new-auditor-pass-2022\n')).code).toBe(0);
    expect(await db.prisma.session.count({ where: { userId: user.id } })).toBe(0);
    expect((await signIn(db.prisma, 'shenji', 'auditor-pass-2022', {})).ok).toBe(false);
    expect((await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {})).ok).toBe(true);
    expect((await duban(['user', 'disable', 'shenji'])).code).toBe(0);
    const refused = await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {});
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('已停用') });
    expect((await duban(['user', 'enable', 'shenji'])).code).toBe(0);
    expect((await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {})).ok).toBe(true);
  });
});
