// The desk's 操作记录 page on the embedded database (PGlite): reading the
// audit record is itself recorded (audit.view, who and with which filter),
// and shown on the page like any other action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { startWebServer, type WebServer } from '../../client/web/server.ts';
import { addUser } from '../../client/web/auth/accounts.ts';
import { freePort } from '../helpers/ports.ts';
import { WebSession } from '../helpers/web.ts';

const AUDITOR = { name: 'shenji', password: 'auditor-pass-2022' };

describe('the audit page', () => {
  let home: string;
  let db: Database;
  let web: WebServer;
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'duban-audit-web-'));
    const config = loadConfig({
      DUBAN_HOME: home,
      WEB_PORT: String(await freePort()),
      PUBLIC_PORT: String(await freePort()),
      SMTP_CATCHER_PORT: String(await freePort()),
    });
    db = await openDatabase(config);
    await addUser(db.prisma, { ...AUDITOR, role: 'auditor' }, 'test');
    web = await startWebServer({ config, db });
  }, 60_000);
  afterAll(async () => {
    await web?.close();
    await db?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("records an auditor's reading of the record, with the filter used", async () => {
    const auditor = await new WebSession(web.url).signIn(AUDITOR.name, AUDITOR.password);
    const page = await auditor.get('/audit?action=auth.sign-in');
    expect(page.status).toBe(200);
    const seen = await db.prisma.auditEvent.findMany({ where: { action: 'audit.view' } });
    expect(seen).toEqual([
      expect.objectContaining({ actor: AUDITOR.name, details: { action: 'auth.sign-in' } }),
    ]);
    const again = await auditor.get('/audit?action=audit.view');
    expect(again.body).toContain('查看操作记录');
    expect(again.body.match(/data-action="audit.view"/g)).toHaveLength(2);
  });
});
