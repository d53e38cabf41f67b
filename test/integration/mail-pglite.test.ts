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
import { ingestRaw, type InboundDeps } from '../../lib/inbound/ingest.ts';
import {
  FIXTURE_SECRET,
  FIXTURE_UNIT,
  FIXTURE_UNIT_EMAIL,
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

  it('marks a bounced address failing', async () => {
    expect(await ingestRaw(deps, fixture('bounce-daemon.eml'), 'smtp')).toMatchObject({ outcome: 'bounce' });
    expect(
      await db.prisma.addressHealth.findUnique({ where: { address: 'jxw@gov-old.test' } }),
    ).toMatchObject({ failing: true });
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
});
