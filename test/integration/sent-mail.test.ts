// What every SentMail row says, for the office's mail view: whom the mail was
// for (unitName), how delivery went (status: sent; failed with the server's
// words when it refused for good, recorded once and never retried; bounced
// when a delivery report comes back, matched by Message-ID or recipient) and
// its thread (inReplyTo) — for mail sent over real SMTP and into the
// embedded catcher alike, through the real activity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { freePort } from '../helpers/ports.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createTransport } from '../../lib/mail/transport.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { ingestRaw } from '../../lib/inbound/ingest.ts';
import { startSmtpCatcher, type SmtpCatcher } from '../../client/up/smtp-catcher.ts';
import type { MailOrder, TaskBrief } from '../../workflows/effects.ts';
import type { UnitRef } from '../../workflows/types.ts';
import { REQUEST_EMAILS_ATTRIBUTE } from '../../lib/unit-addresses.ts';

let db: TestDatabase;
let sink: SmtpSink;
let setId: string;
const home = mkdtempSync(path.join(tmpdir(), 'duban-sent-mail-'));
const WORKFLOW = () => `duban/${setId}/5`;
const task = (): TaskBrief => ({
  taskSetId: setId,
  seq: '5',
  category: '重点工作',
  text: '推进老旧小区改造',
  deadline: '2022-12-31',
});
const unit = (emails: string[]): UnitRef => ({ name: '区住房城乡建委', emails, leaderEmails: [] });
const order = (step: string, emails: string[], extra: Partial<MailOrder> = {}): MailOrder => ({
  step,
  kind: 'notice',
  unit: unit(emails),
  about: { topic: 'notice', role: 'lead', coUnits: [] },
  at: Date.now(),
  ...extra,
});

beforeAll(async () => {
  [db, sink] = await Promise.all([
    createTestDatabase('duban_sent'),
    startSmtpSink({
      refuse: (address) =>
        address.startsWith('gone@')
          ? '5.1.1 <gone@units.test>: Recipient address rejected: User unknown'
          : undefined,
    }),
  ]);
  // the orders below name 区住房城乡建委, which the directory does not hold: their own addresses count
  setId = await seedTaskSet(db.prisma, {
    units: [{ name: '区民政局', emails: ['mzj-old@units.test'] }],
    tasks: [{ seq: '5', lead: ['区民政局'] }],
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([db?.drop(), sink?.close()]);
  rmSync(home, { recursive: true, force: true });
});

function activitiesOver(config: Config) {
  const transport = createTransport(config);
  return { activities: createActivities({ prisma: db.prisma, config, transport }), transport };
}

describe('the sent-mail rows over real SMTP', () => {
  let config: Config;
  beforeAll(() => {
    config = loadConfig({
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      TOKEN_SECRET: 's'.repeat(40),
    });
  });

  it('a mail the server takes: sent, for its unit, to every address', async () => {
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.applyEffects({
        workflowId: WORKFLOW(),
        task: task(),
        effects: [{ type: 'mail', mail: order('notice/a', ['jsw@units.test', 'jsw2@units.test']) }],
      });
    } finally {
      transport.close();
    }
    const row = await db.prisma.sentMail.findUniqueOrThrow({ where: { key: `${WORKFLOW()}/notice/a` } });
    expect(row).toMatchObject({
      unitName: '区住房城乡建委',
      status: 'sent',
      failure: null,
      inReplyTo: null,
      toAddrs: ['jsw@units.test', 'jsw2@units.test'],
    });
    expect(sink.messages.at(-1)!.to).toEqual(['jsw@units.test', 'jsw2@units.test']);
  });

  it('a permanent refusal: failed, with the server’s words, once — a retried batch sends nothing', async () => {
    const { activities, transport } = activitiesOver(config);
    const before = sink.messages.length;
    const batch = {
      workflowId: WORKFLOW(),
      task: task(),
      effects: [{ type: 'mail' as const, mail: order('notice/b', ['gone@units.test']) }],
    };
    try {
      expect(await activities.applyEffects(batch)).toEqual({ mails: 0 });
      expect(await activities.applyEffects(batch)).toEqual({ mails: 0 });
    } finally {
      transport.close();
    }
    expect(sink.messages.length).toBe(before);
    const rows = await db.prisma.sentMail.findMany({ where: { key: `${WORKFLOW()}/notice/b` } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', unitName: '区住房城乡建委' });
    expect(rows[0]!.failure).toMatch(/^邮件服务器拒收（550）：.*Recipient address rejected/);
    expect(await db.prisma.addressHealth.findUnique({ where: { address: 'gone@units.test' } })).toMatchObject(
      {
        failing: true,
      },
    );
  });

  it('one address refused of two: sent to the other, the refusal noted on the row', async () => {
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.applyEffects({
        workflowId: WORKFLOW(),
        task: task(),
        effects: [{ type: 'mail', mail: order('notice/c', ['jsw@units.test', 'gone@units.test']) }],
      });
    } finally {
      transport.close();
    }
    expect(sink.messages.at(-1)!.to).toEqual(['jsw@units.test']);
    const row = await db.prisma.sentMail.findUniqueOrThrow({ where: { key: `${WORKFLOW()}/notice/c` } });
    expect(row.status).toBe('sent');
    expect(row.failure).toContain('gone@units.test');
  });

  it('the thread: a decision mailed under the unit’s own mail', async () => {
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.applyEffects({
        workflowId: WORKFLOW(),
        task: task(),
        effects: [
          {
            type: 'mail',
            mail: order('extension/ext-1', ['jsw@units.test'], {
              kind: 'other',
              about: { topic: 'extension', newDeadline: '2023-03-31', approved: false, reason: '理由不充分' },
              inReplyTo: '<ask-9@units.test>',
            }),
          },
        ],
      });
    } finally {
      transport.close();
    }
    const row = await db.prisma.sentMail.findUniqueOrThrow({
      where: { key: `${WORKFLOW()}/extension/ext-1` },
    });
    expect(row).toMatchObject({ kind: 'extension', inReplyTo: '<ask-9@units.test>', status: 'sent' });
    expect(sink.messages.at(-1)!.raw.toString()).toMatch(/^In-Reply-To: <ask-9@units\.test>/m);
  });

  it('a mailbox changed in the directory mid-year: the next mail goes to the new one', async () => {
    await db.prisma.unit.updateMany({
      where: { taskSetId: setId, name: '区民政局' },
      data: { emails: ['mzj-new@units.test'] },
    });
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.applyEffects({
        workflowId: WORKFLOW(),
        task: task(),
        // the workflow's copy of the unit is from when the task started
        effects: [
          {
            type: 'mail',
            mail: order('notice/moved', [], {
              unit: { name: '区民政局', emails: ['mzj-old@units.test'], leaderEmails: [] },
            }),
          },
        ],
      });
    } finally {
      transport.close();
    }
    expect(sink.messages.at(-1)!.to).toEqual(['mzj-new@units.test']);
    expect(
      await db.prisma.sentMail.findUniqueOrThrow({ where: { key: `${WORKFLOW()}/notice/moved` } }),
    ).toMatchObject({ unitName: '区民政局', toAddrs: ['mzj-new@units.test'] });
  });

  it('a mailbox the directory marks for the unit (收件邮箱) mid-year: the next mail goes there, with a cc unit from the directory too', async () => {
    await db.prisma.unit.update({
      where: { taskSetId_name: { taskSetId: setId, name: '区民政局' } },
      data: {
        emails: ['mzj-new@units.test', 'mzj-desk@units.test'],
        attributes: { [REQUEST_EMAILS_ATTRIBUTE]: 'mzj-desk@units.test' },
      },
    });
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.sendMail({
        workflowId: WORKFLOW(),
        task: task(),
        mail: order('notice/marked', [], {
          unit: { name: '区民政局', emails: ['mzj-old@units.test'], leaderEmails: [] },
          // a unit the directory does not hold keeps the workflow's copy
          cc: [{ name: '区住房城乡建委', emails: ['zjw@units.test'], leaderEmails: [] }],
        }),
      });
    } finally {
      transport.close();
    }
    const row = await db.prisma.sentMail.findUniqueOrThrow({ where: { key: `${WORKFLOW()}/notice/marked` } });
    expect(row).toMatchObject({ toAddrs: ['mzj-desk@units.test'], ccAddrs: ['zjw@units.test'] });
  });

  it('a delivery report marks the mail it answers bounced, by its Message-ID; one that answers nothing of ours marks nothing', async () => {
    const sent = await db.prisma.sentMail.findUniqueOrThrow({ where: { key: `${WORKFLOW()}/notice/a` } });
    const dsn = (id: string, recipient: string, headers: string) =>
      Buffer.from(
        [
          'From: Mail Delivery System <MAILER-DAEMON@mx.units.test>',
          'To: duban-bounces@duban.test',
          'Subject: Undelivered Mail Returned to Sender',
          `Message-ID: ${id}`,
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          'Delivery failed.',
          '--b',
          'Content-Type: message/delivery-status',
          '',
          `Final-Recipient: rfc822; ${recipient}`,
          'Action: failed',
          'Diagnostic-Code: smtp; 550 5.2.2 Mailbox full',
          '--b',
          'Content-Type: text/rfc822-headers',
          '',
          headers,
          '--b--',
          '',
        ].join('\r\n'),
      );
    const deps = { prisma: db.prisma, config };
    const byId = await ingestRaw(
      deps,
      dsn('<dsn-1@mx.units.test>', 'jsw2@units.test', `Message-ID: ${sent.messageId}\r\nSubject: x`),
      'imap',
    );
    expect(byId.outcome).toBe('bounce');
    const bounced = await db.prisma.sentMail.findUniqueOrThrow({ where: { id: sent.id } });
    expect(bounced.status).toBe('bounced');
    expect(bounced.failure).toContain('5.2.2');
    expect(await db.prisma.addressHealth.findUnique({ where: { address: 'jsw2@units.test' } })).toMatchObject(
      {
        failing: true,
      },
    );

    // no Message-ID of ours in it: anyone could have sent it, nothing is marked
    const latest = await db.prisma.sentMail.findUniqueOrThrow({
      where: { key: `${WORKFLOW()}/extension/ext-1` },
    });
    const forged = await ingestRaw(
      deps,
      dsn('<dsn-2@mx.units.test>', 'jsw@units.test', 'Subject: x'),
      'imap',
    );
    expect(forged.reason).toContain('不予采信');
    expect((await db.prisma.sentMail.findUniqueOrThrow({ where: { id: latest.id } })).status).not.toBe(
      'bounced',
    );
    expect(await db.prisma.addressHealth.findUnique({ where: { address: 'jsw@units.test' } })).toBeNull();
  });
});

describe('the sent-mail rows into the embedded catcher', () => {
  let catcher: SmtpCatcher;
  let config: Config;
  beforeAll(async () => {
    config = loadConfig({
      DUBAN_HOME: path.join(home, 'up'),
      SMTP_CATCHER_PORT: String(await freePort()),
      TOKEN_SECRET: 's'.repeat(40),
    });
    catcher = await startSmtpCatcher(config);
  });
  afterAll(() => catcher?.close());

  it('says its unit and status, and the mail is kept as .eml', async () => {
    const { activities, transport } = activitiesOver(config);
    try {
      await activities.applyEffects({
        workflowId: WORKFLOW(),
        task: task(),
        effects: [{ type: 'mail', mail: order('notice/catcher', ['jsw@units.test']) }],
      });
    } finally {
      transport.close();
    }
    const row = await db.prisma.sentMail.findUniqueOrThrow({
      where: { key: `${WORKFLOW()}/notice/catcher` },
    });
    expect(row).toMatchObject({ unitName: '区住房城乡建委', status: 'sent', kind: 'notice' });
    expect(readdirSync(catcher.dir).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });
});
