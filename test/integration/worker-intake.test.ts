// Issue 9 through the real entry points: `duban worker` (the CLI, a child
// process) with IMAP_URL pointing at a private dovecot, DATABASE_URL at a
// fresh PostgreSQL database, TEMPORAL_ADDRESS at a dev server and SMTP_URL
// at a real SMTP server. The unit's whole conversation goes by mail:
//   - the 交办 notice reaches every registered address, with a reply token;
//   - the unit answers it as it asks ("状态：推进中", the original quoted,
//     In-Reply-To the notice, to the plain inbox with the subject's number
//     cut off): the 签收 lands in the database, and — February's request being
//     out — the report of February too;
//   - the unit asks for more time in a reply to the request, from its other
//     address; the office hears of it by mail, decides with `duban task
//     extension`, and the decision reaches the unit in its own thread;
//   - `duban health` and `duban web`'s /health report the mailbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { freePort } from '../helpers/ports.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { stateQuery } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dovecot = dovecotBinary();

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sink: SmtpSink;
let imap: Dovecot;
let worker: ChildProcess | undefined;
let web: ChildProcess | undefined;
let stderr = '';
const home = mkdtempSync(path.join(tmpdir(), 'duban-intake-'));
let vars: Record<string, string>;

/** Polls `read` until `ok`, up to `ms`. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 45_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${stderr.slice(-3000)}`);
    await sleep(250);
  }
}

const address = (field: ParsedMail['to']) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

async function append(raw: string): Promise<void> {
  const client = await connectImap(imap);
  await client.append('INBOX', raw);
  await client.logout();
}

/** A reply as Foxmail writes it: UTF-8, base64, the original quoted below. */
function reply(o: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  inReplyTo: string;
  body: string;
  quoted: string;
}) {
  return [
    `From: =?UTF-8?B?${Buffer.from('区交通局').toString('base64')}?= <${o.from}>`,
    `To: ${o.to}`,
    `Subject: =?UTF-8?B?${Buffer.from(o.subject).toString('base64')}?=`,
    `Message-ID: ${o.messageId}`,
    `In-Reply-To: ${o.inReplyTo}`,
    `References: ${o.inReplyTo}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(
      `${o.body}\n\n------------------ 原始邮件 ------------------\n发件人: "区政府督查室"<duban@duban.test>\n发送时间: 2022年2月15日(星期二) 上午9:00\n\n${o.quoted}\n`,
    )
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n'),
    '',
  ].join('\r\n');
}

describe.skipIf('missing' in dovecot)('duban worker takes the unit’s whole conversation by mail', () => {
  beforeAll(async () => {
    [env, db, sink, imap] = await Promise.all([
      localDevEnv(),
      createTestDatabase('duban_intake'),
      startSmtpSink(),
      startDovecot(),
    ]);
    vars = {
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'intake-cli-test',
      SMTP_URL: sink.url,
      IMAP_URL: imap.url,
      IMAP_POLL_SECONDS: '5',
      TOKEN_SECRET: 'i'.repeat(40),
      OFFICE_EMAIL: 'ducha@duban.test',
      PUBLIC_URL: 'https://duban.example.test',
      WORKER_MAX_CACHED_WORKFLOWS: '10',
    };
    worker = spawn(process.execPath, [bin, 'worker'], {
      env: { ...process.env, ...vars },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (d) => (stderr += d));
    await until(
      'duban worker started',
      async () => stderr,
      (s) => s.includes('worker 已启动') || worker!.exitCode !== null,
      90_000,
    );
    expect(worker.exitCode).toBeNull();
  }, 180_000);
  afterAll(async () => {
    for (const child of [worker, web]) {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
    await Promise.all([env?.teardown(), db?.drop(), sink?.close(), imap?.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    '签收 by a reply to the notice, a 延期申请 by mail, the decision back in the thread, the mailbox in health',
    { timeout: 240_000 },
    async () => {
      expect(stderr).toContain('收信：每 5 秒读取 127.0.0.1 的 INBOX');
      const setId = await seedTaskSet(db.prisma, {
        units: [{ name: '区交通局', emails: ['jtj@units.test', 'jtj-office@units.test'] }],
        tasks: [{ seq: '9', text: '推进轨道交通建设', deadline: '2022-06-30', lead: ['区交通局'] }],
      });
      // the workflow's clock stands just before 9:00 on the day February's request goes out
      const clockOffsetMs = atChinaTime('2022-02-15', '08:59') + 50_000 - Date.now();
      const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs, searchAttributes: false });
      const workflowId = start!.workflowId;
      const handle = await env.client.workflow.start('taskWorkflow', {
        taskQueue: vars.TEMPORAL_TASK_QUEUE!,
        workflowId,
        args: [start!.input],
      });

      // 交办 and 请报送: each to every registered address, each with a reply token
      const mails = await Promise.all((await sink.waitFor(2, 60_000)).map((m) => simpleParser(m.raw)));
      const notice = mails.find((m) => m.subject?.startsWith('【交办】'))!;
      const request = mails.find((m) => m.subject?.startsWith('【请报送】'))!;
      expect(address(notice.to).sort()).toEqual(['jtj-office@units.test', 'jtj@units.test']);
      expect(address(request.to).sort()).toEqual(['jtj-office@units.test', 'jtj@units.test']);
      expect(notice.subject).toMatch(/\[督办-[a-z2-7]{12}\]$/);
      expect(notice.text).toContain('收到后请回复本邮件签收');
      expect(notice.text).toContain('https://duban.example.test/help/units');
      expect(address(notice.replyTo)[0]).toMatch(/^duban\+[a-z2-7]{12}@duban\.test$/);

      // 1. the 签收, written as the notice asks: to the plain inbox, the number cut from the
      //    subject — only In-Reply-To leads back to the notice
      await append(
        reply({
          from: 'jtj@units.test',
          to: 'duban@duban.test',
          subject: `回复：${notice.subject!.replace(/\s*\[督办-[a-z2-7]+\]/, '')}`,
          messageId: '<ack-1@units.test>',
          inReplyTo: notice.messageId!,
          body: '状态：推进中\n收到，已安排专人负责。',
          quoted: notice.text!,
        }),
      );
      const ack = await until(
        '签收 in the database',
        () =>
          db.prisma.assignment.findFirstOrThrow({
            where: { task: { workflowId }, unit: { name: '区交通局' } },
          }),
        (a) => a.acknowledgedAt !== null,
      );
      expect(ack.acknowledgedVia).toBe('email');
      expect(
        await db.prisma.inboundMessage.findUniqueOrThrow({ where: { messageId: '<ack-1@units.test>' } }),
      ).toMatchObject({ outcome: 'applied', workflowId, reason: expect.stringContaining('In-Reply-To') });
      // February's request is out and unanswered: the 签收 is its report as well
      const february = await until(
        'the 签收 as February’s report',
        () => db.prisma.report.findFirst({ where: { inboundMessageId: '<ack-1@units.test>' } }),
        (r) => r !== null,
      );
      expect(february).toMatchObject({
        period: '2022-02',
        status: '推进中',
        accepted: true,
        channel: 'email',
      });
      expect(february!.text).not.toContain('原始邮件');
      const view = await handle.query(stateQuery);
      expect(view.units[0]!.acknowledgedAt).toBeGreaterThan(0);
      expect(view.periods.find((p) => p.id === '2022-02')?.reported).toHaveProperty('区交通局');

      // 2. a 延期申请 in a reply to the request, from the unit's other registered address
      await append(
        reply({
          from: 'jtj-office@units.test',
          to: address(request.replyTo)[0]!,
          subject: `回复：${request.subject}`,
          messageId: '<ask-1@units.test>',
          inReplyTo: request.messageId!,
          body: '因征地拆迁未完成，申请延期至2022年9月30日。\n理由：二期用地交付推迟。',
          quoted: request.text!,
        }),
      );
      const asked = await until(
        'the 延期申请 in the database',
        () => db.prisma.extensionRequest.findFirst({ where: { task: { workflowId } } }),
        (r) => r !== null,
      );
      expect(asked).toMatchObject({
        unitName: '区交通局',
        status: 'pending',
        channel: 'email',
        inboundMessageId: '<ask-1@units.test>',
        reason: '二期用地交付推迟。',
      });
      expect(asked!.newDeadline.toISOString().slice(0, 10)).toBe('2022-09-30');
      // the office is told, with the command that decides
      const toOffice = await until(
        'the office’s mail',
        async () => Promise.all(sink.messages.map((m) => simpleParser(m.raw))),
        (all) => all.some((m) => m.subject?.startsWith('【延期申请】')),
      );
      const officeMail = toOffice.find((m) => m.subject?.startsWith('【延期申请】'))!;
      expect(address(officeMail.to)).toEqual(['ducha@duban.test']);
      expect(officeMail.text).toContain(`--key '${asked!.key}'`);

      // 3. the office decides on the command line; the decision goes back in the unit's thread
      const decided = await run(
        process.execPath,
        [
          bin,
          'task',
          'extension',
          workflowId,
          '--key',
          asked!.key,
          '--approve',
          '--reason',
          '同意延期，请加快推进',
          '--by',
          '张三',
          '--json',
        ],
        { env: { ...process.env, ...vars } },
      );
      expect(JSON.parse(decided.stdout)).toMatchObject({ accepted: true });
      const all = await until(
        'the decision mail',
        async () => Promise.all(sink.messages.map((m) => simpleParser(m.raw))),
        (found) => found.some((m) => m.subject?.startsWith('【延期同意】')),
      );
      const decision = all.find((m) => m.subject?.startsWith('【延期同意】'))!;
      expect(decision.inReplyTo).toBe('<ask-1@units.test>');
      expect(address(decision.to).sort()).toEqual(['jtj-office@units.test', 'jtj@units.test']);
      expect(decision.text).toContain('同意延期，请加快推进');
      expect(address(decision.replyTo)[0]).toMatch(/^duban\+[a-z2-7]{12}@duban\.test$/);
      expect(
        await until(
          'the decision in the database',
          () => db.prisma.extensionRequest.findUniqueOrThrow({ where: { key: asked!.key } }),
          (r) => r.status !== 'pending',
        ),
      ).toMatchObject({ status: 'approved', decidedBy: '张三' });
      expect((await handle.query(stateQuery)).deadline).toBe('2022-09-30');
      // every sent mail says whom it was for, how it went, and its thread
      // (a wake-up's mails go at once, each its own activity: their rows come in any order)
      const rows = await db.prisma.sentMail.findMany({ where: { workflowId }, orderBy: { kind: 'asc' } });
      expect(rows.map((r) => [r.kind, r.unitName, r.status, r.inReplyTo])).toEqual([
        ['extension', '区交通局', 'sent', '<ask-1@units.test>'],
        ['extension-filed', null, 'sent', null],
        ['notice', '区交通局', 'sent', null],
        ['request', '区交通局', 'sent', null],
      ]);

      // 4. the mailbox in `duban health` and in `duban web`'s /health
      const health = await run(process.execPath, [bin, 'health', '--json'], {
        env: { ...process.env, ...vars },
      }).catch((err: { stdout: string }) => err);
      const mailbox = JSON.parse(health.stdout).mailbox;
      expect(mailbox).toMatchObject({ ok: true, source: 'imap', waiting: 0 });
      expect(Date.parse(mailbox.lastSuccessAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(mailbox.detail).toContain('上次成功收信');

      const port = await freePort();
      web = spawn(process.execPath, [bin, 'web'], {
        env: { ...process.env, ...vars, WEB_PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const page = await until(
        'duban web /health',
        () =>
          fetch(`http://127.0.0.1:${port}/health`)
            .then(async (res) => (await res.json()) as { mailbox?: { ok: boolean; source: string } })
            .catch(() => undefined),
        (body) => body !== undefined,
        60_000,
      );
      expect(page!.mailbox).toMatchObject({ ok: true, source: 'imap', waiting: 0 });
    },
  );
});
