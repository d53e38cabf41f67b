// The worker's intake (worker/intake.ts) on real parts — PostgreSQL, dovecot,
// the Temporal dev server running the real task workflow, and the embedded
// SMTP catcher:
//   - replicas poll once: a round runs only under the PostgreSQL advisory
//     lock (another holder → the round does nothing);
//   - a message stored but never finished (a crash between the two) is taken
//     to its outcome by the next round;
//   - a failing mailbox is written to MailboxStatus in Chinese, and health
//     says so; a good poll clears it;
//   - the catcher stores a reply and nudges intake: the path IMAP takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import nodemailer from 'nodemailer';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { freePort } from '../helpers/ports.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { createWorker } from '../../worker/worker.ts';
import { INTAKE_LOCK, startIntake, type Intake } from '../../worker/intake.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { checkMailbox } from '../../client/health.ts';
import { startSmtpCatcher } from '../../client/up/smtp-catcher.ts';
import { inboundKey, storeRaw } from '../../lib/inbound/ingest.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const dovecot = dovecotBinary();
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let imap: Dovecot;
let worker: Worker;
let running: Promise<void>;
let reference = '';
let workflowId = '';
const home = mkdtempSync(path.join(tmpdir(), 'duban-intake-'));
const intakes: Intake[] = [];

const configFor = (vars: Record<string, string>): Config =>
  loadConfig({
    DUBAN_HOME: home,
    DATABASE_URL: db.url,
    TOKEN_SECRET: 'k'.repeat(40),
    IMAP_POLL_SECONDS: '3600',
    ...vars,
  });

/** A reply from the unit to its February request, by the request's reply address. */
const reply = (id: string, body = '状态：推进中\n进度：20%\n本月完成设计招标。') =>
  [
    'From: jtj@units.test',
    `To: duban+${reference}@duban.test`,
    'Subject: =?UTF-8?B?' + Buffer.from('回复：请报送').toString('base64') + '?=',
    `Message-ID: <${id}@units.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(body).toString('base64'),
    '',
  ].join('\r\n');

async function append(raw: string): Promise<void> {
  const client = await connectImap(imap);
  await client.append('INBOX', raw);
  await client.logout();
}

/** A round that ran (another intake of this file may hold the lock for a moment). */
async function ranRound(intake: Intake) {
  let round = await intake.roundNow();
  for (let i = 0; i < 10 && !round.ran; i++) {
    await new Promise((r) => setTimeout(r, 100));
    round = await intake.roundNow();
  }
  expect(round.ran).toBe(true);
  return round;
}

/** Each test's intakes stop when it ends: no round of one test runs into the next. */
async function stopAll(): Promise<void> {
  for (const intake of intakes.splice(0)) await intake.stop();
}

const outcomeOf = (id: string) =>
  db.prisma.inboundMessage.findUnique({ where: { messageId: `<${id}@units.test>` } });

describe.skipIf('missing' in dovecot)('intake in the worker', () => {
  beforeAll(async () => {
    [env, db, imap] = await Promise.all([
      localDevEnv(),
      createTestDatabase('duban_intake_w'),
      startDovecot(),
    ]);
    const config = configFor({ SMTP_URL: 'smtp://127.0.0.1:9' });
    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: 'intake-test',
      activities: createActivities({
        prisma: db.prisma,
        config,
        transport: nodemailer.createTransport({ jsonTransport: true }),
      }),
    });
    running = worker.run();
    const setId = await seedTaskSet(db.prisma, {
      units: [{ name: '区交通局', emails: ['jtj@units.test'] }],
      tasks: [{ seq: '1', lead: ['区交通局'] }],
    });
    const clockOffsetMs = atChinaTime('2022-02-15', '08:59') + 55_000 - Date.now();
    const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs, searchAttributes: false });
    workflowId = start!.workflowId;
    await env.client.workflow.start('taskWorkflow', {
      taskQueue: 'intake-test',
      workflowId,
      args: [start!.input],
    });
    for (let i = 0; i < 300 && !reference; i++) {
      const request = await db.prisma.sentMail.findFirst({ where: { workflowId, kind: 'request' } });
      reference = request?.replyRef ?? '';
      if (!reference) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reference).toMatch(/^[a-z2-7]{12}$/);
  }, 180_000);
  afterAll(async () => {
    for (const intake of intakes) await intake.stop();
    worker?.shutdown();
    await running;
    await Promise.all([env?.teardown(), db?.drop(), imap?.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  it('replicas poll once: a round runs only under the advisory lock', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      expect((await holder.query('SELECT pg_try_advisory_lock($1, $2) AS ok', INTAKE_LOCK)).rows[0].ok).toBe(
        true,
      );
      await append(reply('locked-1'));
      const intake = startIntake(
        configFor({ SMTP_URL: 'smtp://127.0.0.1:9', IMAP_URL: imap.url }),
        db,
        env.client,
      );
      intakes.push(intake);
      const skipped = await intake.roundNow();
      expect(skipped.ran).toBe(false);
      expect(await outcomeOf('locked-1')).toBeNull();

      await holder.query('SELECT pg_advisory_unlock($1, $2)', INTAKE_LOCK);
      // a round that began while the lock was held may still be finishing: the next one runs
      const round = await ranRound(intake);
      expect(round.polled?.outcomes.map((o) => o.outcome)).toEqual(['applied']);
      expect(await outcomeOf('locked-1')).toMatchObject({ outcome: 'applied', workflowId });
      const status = await db.prisma.mailboxStatus.findUniqueOrThrow({ where: { id: 'imap' } });
      expect(status).toMatchObject({ lastError: null, waiting: 0 });
      expect(status.lastSuccessAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await holder.end();
      await stopAll();
    }
  });

  it('a message stored but never finished is taken by the next round', async () => {
    const raw = Buffer.from(reply('crashed-1'));
    // what a crash between storing and finishing leaves: the raw row, pending
    await storeRaw(db.prisma, inboundKey(raw), 'imap', raw, Date.now());
    expect(await outcomeOf('crashed-1')).toMatchObject({ outcome: 'pending' });
    const intake = startIntake(
      configFor({ SMTP_URL: 'smtp://127.0.0.1:9', IMAP_URL: imap.url }),
      db,
      env.client,
    );
    intakes.push(intake);
    // the round started with the intake, or this one: either takes it
    await ranRound(intake);
    await ranRound(intake);
    expect(await outcomeOf('crashed-1')).toMatchObject({ outcome: 'applied', workflowId });
    await stopAll();
  });

  it('a failing mailbox is written in Chinese and health says so; a good poll clears it', async () => {
    const wrong = new URL(imap.url);
    wrong.password = 'not-the-password';
    const notices: string[] = [];
    const config = configFor({ SMTP_URL: 'smtp://127.0.0.1:9', IMAP_URL: wrong.toString() });
    const intake = startIntake(config, db, env.client, { notice: (line) => notices.push(line) });
    intakes.push(intake);
    const round = await ranRound(intake);
    expect(round.error).toBe(
      `IMAP 收信失败：登录 127.0.0.1:${imap.port} 失败：用户名或密码不正确（IMAP_URL）`,
    );
    expect(notices).toContain(round.error);
    const status = await db.prisma.mailboxStatus.findUniqueOrThrow({ where: { id: 'imap' } });
    expect(status.lastError).toBe(round.error);
    const health = await checkMailbox(config, db);
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('用户名或密码不正确');
    expect(health.detail).toContain('上次成功');

    await stopAll();
    const good = configFor({ SMTP_URL: 'smtp://127.0.0.1:9', IMAP_URL: imap.url });
    const recovered = startIntake(good, db, env.client);
    intakes.push(recovered);
    await ranRound(recovered);
    expect((await checkMailbox(good, db)).ok).toBe(true);
    await stopAll();
  });

  it('the embedded catcher stores a reply and nudges intake: the same path', async () => {
    const port = await freePort();
    // no SMTP_URL: the embedded catcher is the mailbox
    const config = configFor({ SMTP_CATCHER_PORT: String(port) });
    const holder: { intake?: Intake } = {};
    const catcher = await startSmtpCatcher(config, {
      onReply: async (raw) => {
        await storeRaw(db.prisma, inboundKey(raw), 'smtp', raw, Date.now());
        holder.intake?.nudge();
      },
    });
    holder.intake = startIntake(config, db, env.client, { catcher: true });
    intakes.push(holder.intake);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        ignoreTLS: true,
      });
      await transport.sendMail({
        envelope: { from: 'jtj@units.test', to: [`duban+${reference}@duban.test`] },
        raw: reply('catcher-1', '状态：推进中\n进度：25%'),
      });
      transport.close();
      let row = await outcomeOf('catcher-1');
      for (let i = 0; i < 100 && row?.outcome !== 'applied'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        row = await outcomeOf('catcher-1');
      }
      expect(row).toMatchObject({ outcome: 'applied', source: 'smtp' });
      const status = await db.prisma.mailboxStatus.findUniqueOrThrow({ where: { id: 'catcher' } });
      expect(status.lastSuccessAt).not.toBeNull();
      expect((await checkMailbox(config, db)).detail).toContain('内置邮件收集器：上次成功收信');
    } finally {
      await catcher.close();
      await stopAll();
    }
  });
});
