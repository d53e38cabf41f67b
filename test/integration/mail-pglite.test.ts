// The inbound pipeline on the embedded database (PGlite, what `duban up` runs
// on): raw messages and attachments are stored byte for byte, duplicates are
// recognised, outcomes recorded. No Temporal here: a reply that must reach a
// workflow stays pending, with its attachments already kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbedded, type Database } from '../../lib/db.ts';
import { applyMigrations } from '../../prisma/migrate.ts';
import { WorkflowNotFoundError } from '@temporalio/common';
import { applyHeld, ingestRaw, type InboundDeps } from '../../lib/inbound/ingest.ts';
import { kindOf } from '../../lib/errors.ts';
import type { ReportInput } from '../../workflows/types.ts';
import {
  FIXTURE_SECRET,
  FIXTURE_UNIT,
  FIXTURE_UNIT_EMAIL,
  FIXTURE_WORKFLOW,
  REQUEST_MESSAGE_ID,
  VALID_REF,
  VALID_TOKEN,
} from '../fixtures/mail/make-fixtures.ts';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/mail/${name}`, import.meta.url)));

describe('inbound mail on PGlite', () => {
  let dir: string;
  let db: Database;
  let deps: InboundDeps;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duban-mail-pglite-'));
    db = await openEmbedded(path.join(dir, 'pgdata'));
    await applyMigrations(db.sql);
    deps = {
      prisma: db.prisma,
      config: {
        tokens: { secret: FIXTURE_SECRET, ttlDays: 60 },
        mail: {
          replyInbox: 'duban',
          replyDomain: 'duban.test',
          from: '',
          bounceAddress: '',
          officeEmail: '',
        },
        imap: { pollSeconds: 60 },
      },
    };
    await db.prisma.taskSet.create({
      data: { id: 'fixture-2022', name: 't', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: { taskSetId: 'fixture-2022', code: 'fgw', name: FIXTURE_UNIT, emails: [FIXTURE_UNIT_EMAIL] },
    });
    await db.prisma.sentMail.create({
      data: {
        key: 'k',
        messageId: REQUEST_MESSAGE_ID,
        kind: 'request',
        toAddrs: [],
        ccAddrs: [],
        subject: 's',
        replyToken: VALID_TOKEN,
        replyRef: VALID_REF,
      },
    });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the raw message byte for byte and records the outcome once', async () => {
    const raw = fixture('autoreply-subject.eml');
    const first = await ingestRaw(deps, raw, 'smtp');
    expect(first).toMatchObject({ outcome: 'auto-reply', duplicate: false });
    expect(await ingestRaw(deps, raw, 'smtp')).toMatchObject({
      outcome: 'auto-reply',
      duplicate: true,
      id: first.id,
    });
    const row = await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: first.id } });
    expect(Buffer.from(row.raw).equals(raw)).toBe(true);
    expect(row.subject).toBe('自动回复：您的来信已收到');
  });

  it('a bounce that answers no mail Duban sent is recorded and marks no address (forged bounces)', async () => {
    const r = await ingestRaw(deps, fixture('bounce-daemon.eml'), 'smtp');
    expect(r).toMatchObject({ outcome: 'bounce' });
    expect(r.reason).toContain('不予采信');
    expect(await db.prisma.addressHealth.findUnique({ where: { address: 'jxw@gov-old.test' } })).toBeNull();
  });

  it('keeps the attachments of a reply that waits for Temporal', async () => {
    const r = await ingestRaw(deps, fixture('attachments.eml'), 'smtp');
    expect(r.outcome).toBe('pending');
    const atts = await db.prisma.attachment.findMany({
      where: { inboundMessageId: r.id },
      orderBy: { id: 'asc' },
    });
    expect(atts.map((a) => a.filename)).toEqual([
      '2022年6月进展台账.xlsx',
      '工作总结.docx',
      '验收报告.pdf',
      '现场照片.png',
    ]);
    expect(Buffer.from(atts[3]!.content!).subarray(0, 4).toString('hex')).toBe('89504e47');
    // a later try finds it pending and does not duplicate the attachments
    expect((await ingestRaw(deps, fixture('attachments.eml'), 'smtp')).outcome).toBe('pending');
    expect(await db.prisma.attachment.count({ where: { inboundMessageId: r.id } })).toBe(4);
  });

  describe('a reply that names no request', () => {
    const reply = (to: string, subject: string, id: string) =>
      Buffer.from(
        `From: ${FIXTURE_UNIT_EMAIL}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@cq-spb.test>\r\n` +
          `Date: Thu, 16 Jun 2022 10:00:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n状态：完成\r\n`,
      );
    it('pointing at nothing is held for the office to place', async () => {
      const r = await ingestRaw(deps, reply('duban@duban.test', '6月进展', 'no-ref-1'), 'smtp');
      expect(r).toMatchObject({ outcome: 'held', reason: expect.stringMatching(/^无法识别对应的任务/) });
    });
    it('with a reference Duban never issued, in the address or the subject, is refused', async () => {
      const byAddress = await ingestRaw(
        deps,
        reply('duban+aaaaaaaaaaaa@duban.test', 'Re', 'bad-ref-1'),
        'smtp',
      );
      expect(byAddress).toMatchObject({
        outcome: 'refused',
        reason: expect.stringContaining('aaaaaaaaaaaa'),
      });
      const bySubject = await ingestRaw(
        deps,
        // as clients send it: RFC 2047 encoded
        reply(
          'duban@duban.test',
          `=?UTF-8?B?${Buffer.from('回复：[督办-bbbbbbbbbbbb]').toString('base64')}?=`,
          'bad-ref-2',
        ),
        'smtp',
      );
      expect(bySubject).toMatchObject({
        outcome: 'refused',
        reason: expect.stringContaining('bbbbbbbbbbbb'),
      });
      const rows = await db.prisma.inboundMessage.findMany({
        where: { messageId: { in: ['<bad-ref-1@cq-spb.test>', '<bad-ref-2@cq-spb.test>'] } },
      });
      expect(rows.map((r) => r.outcome)).toEqual(['refused', 'refused']);
    });
  });

  describe('the office lets a held reply through (applyHeld)', () => {
    let heldId: number;
    const routed: [string, ReportInput][] = [];
    const failureOf = (p: Promise<unknown>) =>
      p.then(
        () => expect.unreachable('applyHeld should have failed'),
        (err: unknown) => ({ kind: kindOf(err), message: (err as Error).message }),
      );
    beforeAll(async () => {
      const r = await ingestRaw(deps, fixture('unknown-sender.eml'), 'smtp');
      expect(r.outcome).toBe('held');
      heldId = r.id;
    });

    it('an id that names no message: NotFound', async () => {
      for (const id of [99999999, 2 ** 40])
        expect(await failureOf(applyHeld(deps, id, '张三'))).toEqual({
          kind: 'NotFound',
          message: `没有编号为 ${id} 的收件`,
        });
    });
    it('a message that is not held: Conflict', async () => {
      const autoReply = await db.prisma.inboundMessage.findFirstOrThrow({ where: { outcome: 'auto-reply' } });
      expect(await failureOf(applyHeld(deps, autoReply.id, '张三'))).toEqual({
        kind: 'Conflict',
        message: `收件 ${autoReply.id} 的状态是“auto-reply”，只有待核实的邮件可以由督查室放行`,
      });
    });
    it('a token that has expired meanwhile: Refused, and the message stays held', async () => {
      const later = { ...deps, now: () => Date.UTC(2100, 0, 1) };
      expect(await failureOf(applyHeld(later, heldId, '张三'))).toEqual({
        kind: 'Refused',
        message: '无法放行：回复令牌过期',
      });
      expect((await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: heldId } })).outcome).toBe(
        'held',
      );
    });
    it('a task whose workflow has ended: Refused in Chinese, and the message stays held', async () => {
      const ended = {
        ...deps,
        route: async (workflowId: string) => {
          throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
        },
      };
      expect(await failureOf(applyHeld(ended, heldId, '张三'))).toEqual({
        kind: 'Refused',
        message: `无法放行：任务工作流 ${FIXTURE_WORKFLOW} 不存在或已结束`,
      });
      expect((await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: heldId } })).outcome).toBe(
        'held',
      );
    });
    it('otherwise the report goes to the workflow, for review, and the row says who decided', async () => {
      const open = {
        ...deps,
        route: async (workflowId: string, report: ReportInput) => {
          routed.push([workflowId, report]);
        },
      };
      expect(await applyHeld(open, heldId, '张三')).toMatchObject({
        outcome: 'applied',
        workflowId: FIXTURE_WORKFLOW,
        unit: FIXTURE_UNIT,
      });
      expect(routed).toHaveLength(1);
      expect(routed[0]![1]).toMatchObject({ unit: FIXTURE_UNIT, needsReview: true, channel: 'email' });
      expect(await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: heldId } })).toMatchObject({
        outcome: 'applied',
        reason: expect.stringContaining('督查室（张三）核实后放行'),
      });
      expect(await failureOf(applyHeld(open, heldId, '张三'))).toMatchObject({ kind: 'Conflict' });
    });
  });
});
