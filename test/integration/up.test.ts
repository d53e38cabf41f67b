// `duban up` end to end, as a newcomer runs it: the real CLI in a child
// process on its embedded defaults (fresh ports and DUBAN_HOME), the page
// shows every part healthy and the sample set's tasks, the 交办 notices land
// in the catcher; Ctrl-C stops it cleanly; a second run resumes the same
// workflows, data and mail instead of starting over.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, Client } from '@temporalio/client';
import { freePort } from '../helpers/ports.ts';
import { portOpen } from '../../client/up/temporal-dev-server.ts';
import { WebSession } from '../helpers/web.ts';

const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function up(env: NodeJS.ProcessEnv): Running {
  let out = '';
  const child = spawn(process.execPath, [bin, 'up'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitHealthy(
  web: string,
  run: Running,
  timeoutMs: number,
): Promise<Record<string, { ok: boolean; detail: string }>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`duban up exited early:\n${run.output()}`);
    try {
      const res = await fetch(`${web}/health`);
      last = await res.json();
      if (res.ok) return last as never;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`not healthy in time: ${JSON.stringify(last)}\n${run.output()}`);
}

const mailFiles = (home: string) => {
  try {
    return readdirSync(path.join(home, 'mail')).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
};

const messageIds = (home: string) =>
  mailFiles(home).map(
    (f) => /^Message-ID:\s*(\S+)/im.exec(readFileSync(path.join(home, 'mail', f), 'utf8'))?.[1] ?? f,
  );

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('duban up', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it(
    'runs the stack, shows each part healthy, stops on Ctrl-C and resumes',
    { timeout: 420_000 },
    async () => {
      const home = mkdtempSync(path.join(tmpdir(), 'duban-up-'));
      const ports = {
        TEMPORAL_PORT: await freePort(),
        TEMPORAL_UI_PORT: await freePort(),
        WEB_PORT: await freePort(),
        PUBLIC_PORT: await freePort(),
        SMTP_CATCHER_PORT: await freePort(),
        EMBEDDED_DB_PORT: await freePort(),
      };
      const env = {
        DUBAN_HOME: home,
        // the first office account of the embedded stack
        DUBAN_ADMIN_PASSWORD: 'first-admin-2022',
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      };
      const web = `http://localhost:${ports.WEB_PORT}`;

      // First run: everything comes up and the sample set starts.
      const first = up(env);
      children.push(first.child);
      const health = await waitHealthy(web, first, 180_000);
      expect(health.temporal!.ok).toBe(true);
      expect(health.database!.detail).toContain('已迁移');
      expect(health.smtp!.ok).toBe(true);
      expect(health.worker!.detail).toContain('worker 在轮询');
      await waitFor(
        'the addresses to be printed',
        () => (first.output().includes('按 Ctrl-C 停止') ? true : undefined),
        120_000,
      );
      expect(first.output()).toContain(web);
      expect(first.output()).toContain(`http://localhost:${ports.PUBLIC_PORT}`);
      expect(first.output()).toContain(`http://localhost:${ports.TEMPORAL_UI_PORT}`);
      expect(first.output()).toContain('首个督查室账号         admin（密码取自 DUBAN_ADMIN_PASSWORD）');

      // the desk asks who you are; the account up made lets the office in
      expect((await fetch(web, { redirect: 'manual' })).status).toBe(303);
      const office = await new WebSession(web).signIn('admin', 'first-admin-2022');
      const page = (await office.get('/')).body;
      expect(page).toContain('✔ 正常');
      expect(page).not.toContain('✘ 异常');
      expect(page).toContain('沙坪坝');
      expect(page).toMatch(/141 项/);

      // The 交办 notices arrive in the catcher, one per task.
      const notices = await waitFor(
        '141 交办 notices in the catcher',
        () => {
          const n = mailFiles(home).length;
          return n >= 141 ? n : undefined;
        },
        180_000,
      );
      const sample = readFileSync(path.join(home, 'mail', mailFiles(home)[0]!), 'utf8');
      expect(sample).toMatch(/^Subject: /m);

      // Ctrl-C: clean stop, every port released.
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('已停止');
      for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
      const mailsBefore = mailFiles(home).length;

      // Second run: same task set (not imported again), same workflows running, no mail sent twice.
      const second = up(env);
      children.push(second.child);
      await waitHealthy(web, second, 180_000);
      expect(second.output()).not.toContain('首次运行');
      expect(second.output()).not.toContain('首个督查室账号');
      const page2 = (await (await new WebSession(web).signIn('admin', 'first-admin-2022')).get('/')).body;
      expect(page2.match(/<tr><td><a href="\/\?set=/g)).toHaveLength(1);
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
      try {
        const client = new Client({ connection });
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: 'ExecutionStatus = "Running"' }))
          ids.push(wf.workflowId);
        expect(ids.length).toBe(141);
        expect(ids.every((id) => id.startsWith('duban/'))).toBe(true);
      } finally {
        await connection.close();
      }
      // Mail the first run had not finished sending goes out now, but nothing twice:
      // every Message-ID (made from workflow id and step) appears once.
      await sleep(5000);
      const ids = messageIds(home);
      expect(ids.length).toBeGreaterThanOrEqual(mailsBefore);
      expect(new Set(ids).size).toBe(ids.length);
      expect(notices).toBeGreaterThanOrEqual(141);

      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    },
  );
});
