// At most once, against a real SMTP server (test/helpers/smtp-sink.ts) and
// real PostgreSQL, through the real sendMail activity: the key's row is
// reserved before SMTP; a failure before the server took the message (no
// server listening, a 421 greeting, a 451 for the recipient) releases it and
// the retry sends exactly one; a connection lost during DATA leaves it
// reserved and the retry sends nothing and says 'uncertain'; an address that
// can never be sent to is recorded failed once, not thrown; and a wake-up's
// projection is written whole or not at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createTransport } from '../../lib/mail/transport.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { messageIdFor } from '../../lib/mail/send.ts';
import type { MailOrder, TaskBrief } from '../../workflows/effects.ts';

let db: TestDatabase;
let sink: SmtpSink;
let setId: string;
const home = mkdtempSync(path.join(tmpdir(), 'duban-once-'));
const WORKFLOW = () => `duban/${setId}/3`;
const task = (): TaskBrief => ({
  taskSetId: setId,
  seq: '3',
  category: '重点工作',
  text: '推进垃圾分类',
  deadline: '2022-12-31',
});
// a unit the directory does not hold: the order's own addresses count
const order = (step: string, emails = ['cgw@units.test']): MailOrder => ({
  step,
  kind: 'notice',
  unit: { name: '区市政服务中心', emails, leaderEmails: [] },
  about: { topic: 'notice', role: 'lead', coUnits: [] },
  at: Date.now(),
});
const configFor = (url: string): Config =>
  loadConfig({ DUBAN_HOME: home, DATABASE_URL: db.url, SMTP_URL: url, TOKEN_SECRET: 'o'.repeat(40) });

beforeAll(async () => {
  [db, sink] = await Promise.all([createTestDatabase('duban_once'), startSmtpSink()]);
  setId = await seedTaskSet(db.prisma, {
    units: [{ name: '区城管委', emails: ['cgw@units.test'] }],
    tasks: [{ seq: '3', lead: ['区城管委'] }],
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([db?.drop(), sink?.close()]);
  rmSync(home, { recursive: true, force: true });
});

/** The activities over a real transport to `url`; closed after `run`. */
async function withActivities<T>(
  url: string,
  run: (a: ReturnType<typeof createActivities>) => Promise<T>,
  transport = createTransport(configFor(url)),
): Promise<T> {
  try {
    return await run(createActivities({ prisma: db.prisma, config: configFor(url), transport }));
  } finally {
    transport.close();
  }
}
const rowOf = (step: string) => db.prisma.sentMail.findUnique({ where: { key: `${WORKFLOW()}/${step}` } });
const atSink = (step: string) =>
  sink.messages.filter(
    (m) => m.messageId === messageIdFor(`${WORKFLOW()}/${step}`, configFor(sink.url).mail.replyDomain),
  );

describe('sendMail, at most once', () => {
  it('no server listening: the attempt fails and leaves no row; the retry sends one', async () => {
    const nobody = `smtp://127.0.0.1:${await freePort()}`;
    const input = () => ({ workflowId: WORKFLOW(), task: task(), mail: order('notice/refused') });
    await expect(withActivities(nobody, (a) => a.sendMail(input()))).rejects.toMatchObject({
      syscall: 'connect',
    });
    expect(await rowOf('notice/refused')).toBeNull();
    const outcome = await withActivities(sink.url, (a) => a.sendMail(input()));
    expect(outcome.status).toBe('sent');
    expect(await withActivities(sink.url, (a) => a.sendMail(input()))).toMatchObject({
      status: 'sent-before',
    });
    expect(atSink('notice/refused')).toHaveLength(1);
    expect(await rowOf('notice/refused')).toMatchObject({ status: 'sent', failure: null });
  });

  it('the server down (421) and a mailbox busy (451): released each time, then sent once', async () => {
    const input = () => ({ workflowId: WORKFLOW(), task: task(), mail: order('notice/busy') });
    sink.down = true;
    try {
      await expect(withActivities(sink.url, (a) => a.sendMail(input()))).rejects.toMatchObject({
        responseCode: 421,
      });
    } finally {
      sink.down = false;
    }
    expect(await rowOf('notice/busy')).toBeNull();
    sink.tempFail = (address) => address === 'cgw@units.test';
    try {
      await expect(withActivities(sink.url, (a) => a.sendMail(input()))).rejects.toMatchObject({
        responseCode: 451,
      });
    } finally {
      sink.tempFail = undefined;
    }
    expect(await rowOf('notice/busy')).toBeNull();
    expect(await withActivities(sink.url, (a) => a.sendMail(input()))).toMatchObject({ status: 'sent' });
    expect(atSink('notice/busy')).toHaveLength(1);
  });

  it('the connection lost during DATA: the retry sends nothing, the row says uncertain', async () => {
    const input = () => ({ workflowId: WORKFLOW(), task: task(), mail: order('notice/lost') });
    sink.onData = () => 'hang';
    // the production transport, with a socket timeout a test can wait for
    const impatient = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sink.port,
      ignoreTLS: true,
      socketTimeout: 1_000,
    });
    try {
      await expect(withActivities(sink.url, (a) => a.sendMail(input()), impatient)).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
    } finally {
      sink.onData = undefined;
    }
    expect(await rowOf('notice/lost')).toMatchObject({ status: 'sending' });
    const retried = await withActivities(sink.url, (a) => a.sendMail(input()));
    expect(retried.status).toBe('uncertain');
    expect(await withActivities(sink.url, (a) => a.sendMail(input()))).toMatchObject({ status: 'uncertain' });
    expect(atSink('notice/lost')).toHaveLength(1);
    const row = await rowOf('notice/lost');
    expect(row).toMatchObject({ status: 'uncertain' });
    expect(row!.failure).toContain('可能已收下此信');
    expect(sink.duplicates()).toEqual([]);
  });

  it('an address that can never be sent to: failed once, named, not retried', async () => {
    const input = () => ({
      workflowId: WORKFLOW(),
      task: task(),
      mail: order('notice/bad', ['no-at-sign.units.test']),
    });
    const before = sink.messages.length;
    const first = await withActivities(sink.url, (a) => a.sendMail(input()));
    expect(first).toMatchObject({ status: 'failed' });
    expect(first.failure).toContain('no-at-sign.units.test');
    expect(await withActivities(sink.url, (a) => a.sendMail(input()))).toMatchObject({ status: 'failed' });
    expect(sink.messages.length).toBe(before);
    expect(await rowOf('notice/bad')).toMatchObject({ status: 'failed' });
    expect(
      await db.prisma.addressHealth.findUnique({ where: { address: 'no-at-sign.units.test' } }),
    ).toMatchObject({
      failing: true,
    });
  });
});

describe('applyEffects: one transaction per wake-up', () => {
  it('an effect that cannot be written undoes the ones before it', async () => {
    const batch = {
      workflowId: WORKFLOW(),
      task: task(),
      effects: [
        {
          type: 'request' as const,
          period: '2022-03',
          requestedAt: Date.now(),
          dueOn: '2022-03-25',
          units: ['区城管委'],
        },
        {
          type: 'light' as const,
          key: `${WORKFLOW()}/light/tx`,
          from: 'green' as const,
          to: 'yellow' as const,
          at: Date.now(),
          cause: 'x',
        },
        // a date that does not exist: the write fails
        {
          type: 'request' as const,
          period: '2022-04',
          requestedAt: Date.now(),
          dueOn: '2022-04-31x',
          units: ['区城管委'],
        },
      ],
    };
    await expect(withActivities(sink.url, (a) => a.applyEffects(batch))).rejects.toThrow();
    const taskRow = await db.prisma.task.findUniqueOrThrow({ where: { workflowId: WORKFLOW() } });
    expect(await db.prisma.request.count({ where: { taskId: taskRow.id } })).toBe(0);
    expect(await db.prisma.lightChange.count({ where: { taskId: taskRow.id } })).toBe(0);
    // the same batch without the bad effect: all of it
    await withActivities(sink.url, (a) => a.applyEffects({ ...batch, effects: batch.effects.slice(0, 2) }));
    expect(await db.prisma.request.count({ where: { taskId: taskRow.id } })).toBe(1);
    expect(await db.prisma.lightChange.count({ where: { taskId: taskRow.id } })).toBe(1);
  });
});
