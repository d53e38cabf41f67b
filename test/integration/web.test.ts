// The dashboard over real HTTP on a real (embedded) database: lists task sets
// and tasks, shows each part's health, escapes user text.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { startWebServer, type WebServer } from '../../client/web/server.ts';
import { freePort } from '../helpers/ports.ts';

describe('web dashboard', () => {
  let config: Config;
  let db: Database;
  let web: WebServer;

  beforeAll(async () => {
    config = loadConfig({
      DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-web-')),
      WEB_PORT: String(await freePort()),
      SMTP_CATCHER_PORT: String(await freePort()),
    });
    db = await openDatabase(config);
    const set = await db.prisma.taskSet.create({
      data: { id: '2022-test', name: '2022年重点工作', year: 2022, sourceFile: 't.csv', sourceHash: 'h' },
    });
    const unit = await db.prisma.unit.create({
      data: { taskSetId: set.id, code: 'U1', name: '区发展改革委', emails: ['fgw@sp.test'] },
    });
    await db.prisma.task.create({
      data: {
        taskSetId: set.id,
        seq: '9',
        category: '重点工作',
        text: '推进<script>alert("x")</script>项目建设',
        deadline: new Date('2022-12-31'),
        workflowId: 'duban/2022-test/9',
        light: 'yellow',
        assignments: { create: { unitId: unit.id, role: 'lead' } },
      },
    });
    web = await startWebServer({ config, db });
  });
  afterAll(async () => {
    await web?.close();
    await db?.close();
  });

  it('lists the task set and its tasks with lights and lead units', async () => {
    const res = await fetch(web.url + '/');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('2022年重点工作');
    expect(body).toContain('区发展改革委');
    expect(body).toContain('黄灯');
    expect(body).toContain('<html lang="zh-CN">');
  });

  it('escapes task text from the imported table', async () => {
    const body = await (await fetch(web.url + '/')).text();
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('shows each part: the database migrated, Temporal and the worker down when not connected', async () => {
    const res = await fetch(web.url + '/health');
    expect(res.status).toBe(503);
    const h = await res.json();
    expect(h.database.ok).toBe(true);
    expect(h.database.detail).toContain('已迁移');
    expect(h.temporal.ok).toBe(false);
    expect(h.worker.ok).toBe(false);
    expect(h.smtp.ok).toBe(false);
    const page = await (await fetch(web.url + '/')).text();
    expect(page).toContain('✔ 正常');
    expect(page).toContain('✘ 异常');
  });

  it('lists failing addresses so the office can fix the directory', async () => {
    await db.prisma.addressHealth.create({
      data: {
        address: 'wrong@sp.test',
        lastBounce: new Date('2022-03-01T02:00:00Z'),
        reason: '550 <wrong@sp.test>: 用户不存在',
      },
    });
    const body = await (await fetch(web.url + '/')).text();
    expect(body).toContain('失效邮箱（1）');
    expect(body).toContain('wrong@sp.test');
    expect(body).toContain('&lt;wrong@sp.test&gt;: 用户不存在');
  });

  it('answers 404 in Chinese for an unknown page, escaping the path', async () => {
    const res = await fetch(web.url + '/no/<b>');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('页面不存在');
  });
});
