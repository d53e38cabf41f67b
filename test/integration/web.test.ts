// The office's desk over real HTTP on a real (embedded) database, signed in
// as the office and as an auditor: every route's access rule, the dashboard
// and its filters, the task, unit, mail, inbox, report and import pages, the
// security rules (CSRF, cross-site posts, Host names, CSP, lock-out,
// sign-out), and the units' listener that serves only the reply form and the
// units' guide. Office actions that need a running workflow are in the
// browser test (test/e2e/desk.test.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { startWebServer, type WebServer } from '../../client/web/server.ts';
import { addUser } from '../../client/web/auth/accounts.ts';
import { freePort } from '../helpers/ports.ts';
import { WebSession } from '../helpers/web.ts';
import { storeRaw } from '../../lib/inbound/ingest.ts';

const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));
const OFFICE = { name: 'zhangsan', password: 'office-pass-2022' };
const AUDITOR = { name: 'shenji', password: 'auditor-pass-2022' };

describe('the office desk', () => {
  let config: Config;
  let db: Database;
  let web: WebServer;
  let office: WebSession;
  let auditor: WebSession;
  const ids = { red: 0, yellow: 0, green: 0, unit: 0, held: 0, refusedApplied: 0, mail: 0 };

  beforeAll(async () => {
    const webPort = await freePort();
    config = loadConfig({
      DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-web-')),
      WEB_PORT: String(webPort),
      PUBLIC_PORT: String(await freePort()),
      SMTP_CATCHER_PORT: String(await freePort()),
    });
    db = await openDatabase(config);
    const prisma = db.prisma;
    const set = await prisma.taskSet.create({
      data: {
        id: '2022-test',
        name: '2022年重点工作',
        year: 2022,
        sourceFile: 't.csv',
        sourceHash: 'h',
        startedAt: new Date('2022-01-21T01:00:00Z'),
      },
    });
    const fgw = await prisma.unit.create({
      data: { taskSetId: set.id, code: 'U1', name: '区发展改革委', emails: ['fgw@sp.test'] },
    });
    const kjj = await prisma.unit.create({
      data: { taskSetId: set.id, code: 'U2', name: '区科技局', emails: ['kjj@sp.test'] },
    });
    ids.unit = fgw.id;
    // raw bytes through storeRaw's SQL (Prisma's Bytes fail on PGlite), the rest by Prisma
    const inbound = async (messageId: string, data: object) => {
      const { id } = await storeRaw(
        prisma,
        messageId,
        'imap',
        Buffer.from('Subject: x\r\n\r\n状态：完成'),
        Date.now(),
      );
      return prisma.inboundMessage.update({ where: { id }, data });
    };
    const task = (seq: string, light: string, group: string, text: string, unitId: number) =>
      prisma.task.create({
        data: {
          taskSetId: set.id,
          seq,
          category: '重点工作',
          group,
          text,
          deadline: new Date('2022-12-31'),
          workflowId: `duban/2022-test/${seq}`,
          light,
          state: '进行中',
          sourceRow: Number(seq),
          assignments: { create: { unitId, role: 'lead' } },
        },
      });
    const yellow = await task('9', 'yellow', '科学城', '推进<script>alert("x")</script>项目建设', fgw.id);
    const red = await task('10', 'red', '科学城', '建设智慧园区一期', fgw.id);
    const green = await task('11', 'green', '城市更新', '改造老旧小区 30 个', kjj.id);
    Object.assign(ids, { yellow: yellow.id, red: red.id, green: green.id });
    // the red task's year: a request missed, reminded, escalated, its light turning red
    await prisma.request.create({
      data: {
        taskId: red.id,
        unitName: '区发展改革委',
        period: '2022-02',
        requestedAt: new Date('2022-02-15T01:00:00Z'),
        dueAt: new Date('2022-02-25T00:00:00Z'),
      },
    });
    for (const [level, at] of [
      ['reminder1', '2022-02-28T01:00:00Z'],
      ['reminder2', '2022-03-02T01:00:00Z'],
      ['escalation', '2022-03-04T01:00:00Z'],
    ] as const)
      await prisma.escalation.create({
        data: {
          key: `duban/2022-test/10/${level}`,
          taskId: red.id,
          unitName: '区发展改革委',
          period: '2022-02',
          level,
          at: new Date(at),
        },
      });
    await prisma.lightChange.create({
      data: {
        key: 'l1',
        taskId: red.id,
        from: 'green',
        to: 'yellow',
        at: new Date('2022-03-02T01:00:00Z'),
        cause: '再次催办',
      },
    });
    await prisma.lightChange.create({
      data: {
        key: 'l2',
        taskId: red.id,
        from: 'yellow',
        to: 'red',
        at: new Date('2022-03-04T01:00:00Z'),
        cause: '督办',
      },
    });
    await prisma.lightChange.create({
      data: {
        key: 'l3',
        taskId: yellow.id,
        from: 'green',
        to: 'yellow',
        at: new Date('2022-05-04T01:00:00Z'),
        cause: '进度落后',
      },
    });
    await prisma.verdict.create({
      data: {
        taskId: green.id,
        proposed: '完成',
        final: '完成',
        decidedBy: 'default',
        decidedAt: new Date('2023-01-10T01:00:00Z'),
      },
    });
    const mail = await prisma.sentMail.create({
      data: {
        key: 'duban/2022-test/10/reminder1/2022-02/区发展改革委',
        messageId: '<r1@duban.test>',
        kind: 'reminder',
        workflowId: 'duban/2022-test/10',
        unitName: '区发展改革委',
        toAddrs: ['fgw@sp.test'],
        ccAddrs: [],
        subject: '【催办】建设智慧园区一期 <2月>',
        sentAt: new Date('2022-02-28T01:00:00Z'),
        status: 'failed',
        failure: '550 mailbox unavailable',
      },
    });
    ids.mail = mail.id;
    await prisma.sentMail.create({
      data: {
        key: 'n1',
        messageId: '<n1@duban.test>',
        kind: 'notice',
        workflowId: 'duban/2022-test/11',
        unitName: '区科技局',
        toAddrs: ['kjj@sp.test'],
        ccAddrs: [],
        subject: '【交办】改造老旧小区',
      },
    });
    const held = await inbound('<held@private.test>', {
      fromAddr: 'someone@private.test',
      subject: '回复：请报',
      outcome: 'held',
      reason: '发件地址未登记',
    });
    ids.held = held.id;
    // let through by the office, then refused by the workflow: not 已报送
    const applied = await inbound('<let-through@private.test>', {
      fromAddr: 'other@private.test',
      subject: '放行后被拒',
      outcome: 'applied',
      reason: '督查室核实后放行',
      workflowId: 'duban/2022-test/10',
      reportKey: 'email:<let-through@private.test>',
    });
    ids.refusedApplied = applied.id;
    await prisma.report.create({
      data: {
        key: 'email:<let-through@private.test>',
        taskId: red.id,
        unitName: '区发展改革委',
        period: '2022-01',
        status: '完成',
        text: '完成',
        channel: 'email',
        receivedAt: new Date('2022-03-01T01:00:00Z'),
        accepted: false,
        refusalReason: '报送期次「2022年1月」已截止',
      },
    });
    await addUser(prisma, { ...OFFICE, role: 'office' }, 'test');
    await addUser(prisma, { ...AUDITOR, role: 'auditor' }, 'test');
    web = await startWebServer({ config, db });
    office = await new WebSession(web.url).signIn(OFFICE.name, OFFICE.password);
    auditor = await new WebSession(web.url).signIn(AUDITOR.name, AUDITOR.password);
  });
  afterAll(async () => {
    await web?.close();
    await db?.close();
  });

  /** A route's URL with its parameters filled in (ids of things that exist). */
  const concrete = (url: string) =>
    url
      .replace(':id/apply', `${ids.held}/apply`)
      .replace(':id/reject', `${ids.held}/reject`)
      .replace('/tasks/:id', `/tasks/${ids.red}`)
      .replace('/units/:id', `/units/${ids.unit}`)
      .replace('/sets/:id', '/sets/2022-test')
      .replace('/uploads/:id', '/uploads/00000000-0000-0000-0000-000000000000')
      .replace('/jobs/:id', '/jobs/00000000-0000-0000-0000-000000000000')
      .replace('/reports/:set/:file', '/reports/2022-test/final.md')
      .replace(':id', '1');

  describe('who may use which route', () => {
    it('every route declares its access; changes are the office’s only', () => {
      expect(web.routes.length).toBeGreaterThan(20);
      for (const r of web.routes.filter(
        (r) => r.method === 'POST' && !['/signin', '/signout'].includes(r.url),
      ))
        expect(r.access, `${r.method} ${r.url}`).toBe('office');
      expect(
        web.routes
          .filter((r) => r.access === 'anyone')
          .map((r) => `${r.method} ${r.url}`)
          .sort(),
      ).toEqual(['GET /health', 'GET /signin', 'POST /signin']);
    });

    it('without a session: pages redirect to the sign-in page, changes answer 401', async () => {
      const anonymous = new WebSession(web.url);
      for (const r of web.routes.filter((r) => r.access !== 'anyone')) {
        const res =
          r.method === 'GET'
            ? await anonymous.get(concrete(r.url))
            : await anonymous.post(concrete(r.url), { reason: 'x' });
        if (r.method === 'GET') {
          expect(res.status, `GET ${r.url}`).toBe(303);
          expect(res.headers.get('location')).toMatch(/^\/signin\?next=/);
        } else {
          expect(res.status, `POST ${r.url}`).toBe(401);
          expect(res.body).toContain('请先登录');
        }
      }
    });

    it('an auditor sees every page and every change is refused with 403', async () => {
      for (const r of web.routes.filter((r) => r.access === 'reader' && r.method === 'GET')) {
        const res = await auditor.get(concrete(r.url));
        expect([200, 404], `GET ${r.url}`).toContain(res.status);
      }
      for (const r of web.routes.filter((r) => r.access === 'office')) {
        await auditor.get('/');
        const res = await auditor.post(concrete(r.url), {
          reason: '审计试图修改',
          deadline: '2022-12-31',
          unit: '区发展改革委',
        });
        expect(res.status, `POST ${r.url}`).toBe(403);
        expect(res.body).toContain('审计账号只能查看和下载');
      }
      // nothing changed: the held message is still held
      expect((await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: ids.held } })).outcome).toBe(
        'held',
      );
      const page = await auditor.get(`/tasks/${ids.red}`);
      expect(page.body).toContain('审计账号只读');
      expect(page.body).not.toContain('action="/tasks/');
    });
  });

  describe('the dashboard', () => {
    it('lists the task set and its tasks with lights, 签收 and lead units, escaping task text', async () => {
      const res = await office.get('/');
      expect(res.status).toBe(200);
      expect(res.body).toContain('2022年重点工作');
      expect(res.body).toContain('区发展改革委');
      expect(res.body).toContain('黄灯');
      expect(res.body).toContain('<html lang="zh-CN">');
      expect(res.body).not.toContain('<script>alert');
      expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(res.body).toMatch(/data-count="red"[^>]*>.*红灯.* 1</);
    });

    it('filters by light, group, unit, status, overdue and text', async () => {
      const seqs = async (query: string) =>
        [...(await office.get(`/?set=2022-test&${query}`)).body.matchAll(/<tr data-seq="([^"]+)"/g)].map(
          (m) => m[1],
        );
      expect(await seqs('')).toEqual(['9', '10', '11']);
      expect(await seqs('light=red')).toEqual(['10']);
      expect(await seqs(`group=${encodeURIComponent('城市更新')}`)).toEqual(['11']);
      expect(await seqs(`unit=${encodeURIComponent('区发展改革委')}`)).toEqual(['9', '10']);
      expect(await seqs(`q=${encodeURIComponent('智慧园区')}`)).toEqual(['10']);
      expect(await seqs('overdue=1')).toEqual(['10']);
      expect(await seqs(`status=${encodeURIComponent('已办结')}`)).toEqual([]);
    });

    it('answers malformed filters with 400 and an unknown set with 404, in Chinese', async () => {
      const bad = await office.get('/?light=purple');
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('亮灯筛选「purple」无效');
      const unknown = await office.get('/?set=2099-none');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toContain('没有任务集「2099-none」');
    });

    it('shows each part: the database migrated, Temporal and the worker down when not connected', async () => {
      const res = await fetch(web.url + '/health');
      expect(res.status).toBe(503);
      const h = await res.json();
      expect(h.database.ok).toBe(true);
      expect(h.database.detail).toContain('已迁移');
      expect(h.temporal.ok).toBe(false);
      expect(h.worker.ok).toBe(false);
      const page = (await office.get('/')).body;
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
      const body = (await office.get('/')).body;
      expect(body).toContain('失效邮箱（1）');
      expect(body).toContain('&lt;wrong@sp.test&gt;: 用户不存在');
    });
  });

  describe('pages', () => {
    it('the task page shows the ladder, the thread and the actions; absurd ids are 404', async () => {
      const page = await office.get(`/tasks/${ids.red}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('建设智慧园区一期');
      expect(page.body).toContain('督办：区发展改革委（2022-02）');
      expect(page.body).toContain('发出 · 催办');
      expect(page.body).toContain('网页服务未连接 Temporal');
      for (const action of ['extend', 'verdict', 'reassign', 'suspend', 'withdraw', 'ack'])
        expect(page.body).toContain(`action="/tasks/${ids.red}/${action}"`);
      for (const id of ['99999999999999', 'abc', '0', '2147483647'])
        expect((await office.get(`/tasks/${id}`)).status, id).toBe(404);
      expect((await office.get('/tasks/99999999999999')).body).toContain('没有编号为');
    });

    it('an action is checked before the workflow is asked: no reason is 400, no Temporal is 503', async () => {
      await office.get(`/tasks/${ids.red}`);
      const noReason = await office.post(`/tasks/${ids.red}/extend`, { deadline: '2022-12-31', reason: ' ' });
      expect(noReason.status).toBe(400);
      expect(noReason.body).toContain('请写明理由');
      const badDate = await office.post(`/tasks/${ids.red}/extend`, {
        deadline: '2022-02-30',
        reason: '汛期',
      });
      expect(badDate.status).toBe(400);
      expect(badDate.body).toContain('不是有效日期');
      const noTemporal = await office.post(`/tasks/${ids.red}/extend`, {
        deadline: '2022-12-31',
        reason: '汛期',
      });
      expect(noTemporal.status).toBe(503);
      expect(noTemporal.body).toContain('未连接 Temporal');
      expect(
        (await office.post('/tasks/99999999999/extend', { deadline: '2022-12-31', reason: 'x' })).status,
      ).toBe(404);
    });

    it('a pending 延期申请 is listed with its decision form; a malformed decision is 400', async () => {
      await db.prisma.extensionRequest.create({
        data: {
          key: 'ext-1',
          taskId: ids.red,
          unitName: '区发展改革委',
          newDeadline: new Date('2023-03-31'),
          reason: '征地拆迁未完成',
          channel: 'email',
          requestedAt: new Date('2022-03-05T01:00:00Z'),
        },
      });
      const page = await office.get(`/tasks/${ids.red}`);
      expect(page.body).toMatch(
        /<tr data-key="ext-1">.*征地拆迁未完成.*待处理.*action="\/tasks\/\d+\/extension"/s,
      );
      const bad = await office.post(`/tasks/${ids.red}/extension`, {
        key: 'ext-1',
        decision: 'maybe',
        reason: 'x',
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('请选择同意或不同意');
      const unknown = await office.post(`/tasks/${ids.red}/extension`, {
        key: 'nope',
        decision: 'approve',
        reason: 'x',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toContain('没有这份延期申请');
    });

    it('the unit pages count late reports, 催办, 督办 and verdicts, with a chart of lights', async () => {
      const list = await office.get('/units?set=2022-test');
      expect(list.status).toBe(200);
      const row = /<tr data-unit="区发展改革委">(.*?)<\/tr>/s.exec(list.body)![1]!;
      // 牵头 2, 配合 0, 逾期 0, 未报 1, 催办 2, 督办 1
      expect([...row.matchAll(/class="num[^"]*"[^>]*>(\d+)</g)].map((m) => Number(m[1])).slice(0, 6)).toEqual(
        [2, 0, 0, 1, 2, 1],
      );
      const unit = await office.get(`/units/${ids.unit}`);
      expect(unit.body).toContain('<svg class="chart" id="lights-chart"');
      expect(unit.body).toMatch(/<rect class="bar"[^>]*fill="#c5221f"/);
      expect(unit.body).toContain('督办');
      expect((await office.get('/units/12345678901')).status).toBe(404);
    });

    it('the mail page lists sent mail from the table with kind, unit and delivery result, filtered', async () => {
      const all = await office.get('/mail');
      expect(all.body).toContain('【催办】建设智慧园区一期 &lt;2月&gt;');
      expect(all.body).toContain('发送失败');
      expect(all.body).toContain('550 mailbox unavailable');
      const reminders = await office.get('/mail?kind=reminder');
      expect(reminders.body).toContain('【催办】');
      expect(reminders.body).not.toContain('【交办】');
      expect((await office.get('/mail?kind=nonsense')).status).toBe(400);
      expect((await office.get(`/mail/${ids.mail}`)).body).toContain('&lt;r1@duban.test&gt;');
      expect((await office.get('/mail/99999999999.eml')).status).toBe(404);
    });

    it('the inbox shows the outcome as the workflow decided it, and the office rejects a held reply with a reason', async () => {
      const inbox = await office.get('/inbox');
      expect(inbox.body).toMatch(
        /data-message-id="&lt;let-through@private.test&gt;">.*?已拒收.*?任务工作流拒收：报送期次「2022年1月」已截止/s,
      );
      const detail = await office.get(`/inbox/${ids.refusedApplied}`);
      expect(detail.body).toMatch(/id="outcome">已拒收</);
      expect((await office.get('/inbox/99999999999999')).status).toBe(404);
      expect((await office.get('/inbox?outcome=nonsense')).status).toBe(400);
      await office.get(`/inbox/${ids.held}`);
      const rejected = await office.post(`/inbox/${ids.held}/reject`, {
        reason: '发件人不是该单位的工作人员',
      });
      expect(rejected.status).toBe(303);
      expect(await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: ids.held } })).toMatchObject({
        outcome: 'refused',
        reason: expect.stringContaining('zhangsan'),
      });
      expect(await db.prisma.auditEvent.findFirst({ where: { action: 'inbox.reject-held' } })).toMatchObject({
        actor: 'zhangsan',
      });
      const again = await office.post(`/inbox/${ids.held}/apply`);
      expect(again.status).toBe(409);
      expect(again.body).toContain('只有待核实的邮件');
    });

    it('reports download in md, html, xlsx and json, each download recorded with who', async () => {
      const before = await db.prisma.auditEvent.count({
        where: { action: 'report.download', actor: AUDITOR.name },
      });
      const types: Record<string, RegExp> = {
        md: /markdown/,
        html: /text\/html/,
        xlsx: /spreadsheetml/,
        json: /json/,
      };
      for (const [format, type] of Object.entries(types)) {
        const res = await auditor.get(`/reports/2022-test/final.${format}`);
        expect(res.status, format).toBe(200);
        expect(res.headers.get('content-type')).toMatch(type);
      }
      expect((await auditor.get('/reports/2022-test/final.pdf')).status).toBe(404);
      expect((await auditor.get('/reports/nope/final.md')).status).toBe(404);
      expect(
        await db.prisma.auditEvent.count({ where: { action: 'report.download', actor: AUDITOR.name } }),
      ).toBe(before + 4);
    });

    it('the guides render, or say 暂无 until they are written', async () => {
      const res = await office.get('/help/office');
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/id="guide"|暂无/);
    });
  });

  describe('starting a year from the desk', () => {
    const upload = async (tasks: string, year = '2022') => {
      const form = new FormData();
      form.set('tasks', new Blob([readFileSync(path.join(fixtures, tasks))]), tasks);
      form.set('units', new Blob([readFileSync(path.join(fixtures, 'units.csv'))]), 'units.csv');
      form.set('year', year);
      form.set('name', '网页导入测试');
      await office.get('/import');
      const res = await office.upload('/import', form);
      expect(res.status, res.body.slice(0, 300)).toBe(303);
      const job = res.headers.get('location')!;
      for (let i = 0; i < 100; i++) {
        const page = await office.get(job);
        if (!page.body.includes('id="job-running"')) return page;
        expect(page.body).toContain('<meta http-equiv="refresh"');
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the import did not finish');
    };

    it('a table with an error is refused with the error located, nothing written', async () => {
      const page = await upload('unknown-unit.csv');
      expect(page.body).toContain('导入失败，未写入任何数据');
      expect(page.body).toMatch(
        /<td data-label="文件">unknown-unit.csv<\/td><td data-label="行">2<\/td><td data-label="列">牵头单位<\/td>/,
      );
      expect(await db.prisma.taskSet.count({ where: { name: '网页导入测试' } })).toBe(0);
    });

    it('a correct table is imported and offers to start; a re-upload shows the difference', async () => {
      const page = await upload('base.csv');
      expect(page.body).toContain('已导入');
      expect(page.body).toMatch(/action="\/sets\/[^"]+\/start"/);
      const edited = await upload('edited.csv');
      expect(edited.body).toContain('表格与现有数据有以下差异');
      expect(edited.body).toMatch(/action="\/uploads\/[0-9a-f-]+\/apply"/);
      expect(
        await db.prisma.auditEvent.count({ where: { action: 'import.upload', actor: OFFICE.name } }),
      ).toBe(3);
    });

    it('a wrong year or a missing file is 400 in Chinese', async () => {
      await office.get('/import');
      const form = new FormData();
      form.set('year', '22');
      const res = await office.upload('/import', form);
      expect(res.status).toBe(400);
      expect(res.body).toContain('年份「22」无效');
    });
  });

  describe('security', () => {
    it('every page carries the CSP, the sign-in page and a 404 included', async () => {
      for (const path of ['/', '/signin', '/no/<b>', `/tasks/${ids.red}`]) {
        const res = await office.get(path);
        expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
        expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const missing = await office.get('/no/<b>');
      expect(missing.status).toBe(404);
      expect(missing.body).toContain('页面不存在');
      expect(missing.body).not.toContain('<b>');
    });

    it('a post without the form token, or from another site, is refused', async () => {
      await office.get(`/inbox/${ids.held}`);
      const noToken = await office.post(`/tasks/${ids.red}/suspend`, { _csrf: '', reason: 'x' });
      expect(noToken.status).toBe(403);
      expect(noToken.body).toContain('表单校验失败');
      const crossSite = await office.post(
        `/tasks/${ids.red}/suspend`,
        { reason: 'x' },
        { origin: 'http://evil.example' },
      );
      expect(crossSite.status).toBe(403);
      expect(crossSite.body).toContain('来自其他网站');
      // the attack: text/plain from another origin, no session cookie (SameSite=Strict)
      const attack = await fetch(`${web.url}/inbox/${ids.held}/apply`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
        body: 'by=攻击者',
        redirect: 'manual',
      });
      expect(attack.status).toBe(403);
    });

    it('a wrong Host is refused (DNS rebinding)', async () => {
      // fetch will not send another Host: node:http does, as a rebinding page's browser would
      const cookie = [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${web.url}/inbox`, { headers: { host: 'evil.example', cookie } }, (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(421);
      expect(res.body).toContain('不接受主机名「evil.example」');
      expect(res.body).not.toContain('someone@private.test');
    });

    it('the session cookie is HttpOnly, SameSite=Strict and signed', async () => {
      const res = await fetch(`${web.url}/signin`);
      const token = /name="_csrf" value="([^"]*)"/.exec(await res.text())![1]!;
      const cookies = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const signIn = await fetch(`${web.url}/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
        body: new URLSearchParams({ _csrf: token, name: OFFICE.name, password: OFFICE.password }).toString(),
        redirect: 'manual',
      });
      const session = signIn.headers.getSetCookie().find((c) => c.startsWith('duban_session='))!;
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Strict/i);
      // a forged value (unsigned) signs no one in
      const forged = await fetch(`${web.url}/`, {
        headers: { cookie: 'duban_session=abc' },
        redirect: 'manual',
      });
      expect(forged.status).toBe(303);
    });

    it('five wrong passwords lock the name for 15 minutes, told in Chinese; the log says so', async () => {
      const someone = new WebSession(web.url);
      await someone.get('/signin');
      for (let i = 0; i < 4; i++) {
        const res = await someone.post('/signin', { name: AUDITOR.name, password: 'wrong-password' });
        expect(res.status).toBe(401);
        expect(res.body).toContain('用户名或密码错误');
      }
      const fifth = await someone.post('/signin', { name: AUDITOR.name, password: 'wrong-password' });
      expect(fifth.status).toBe(429);
      expect(fifth.body).toContain('该账号已锁定');
      const right = await someone.post('/signin', { name: AUDITOR.name, password: AUDITOR.password });
      expect(right.status).toBe(429);
      expect(
        await db.prisma.auditEvent.count({ where: { actor: AUDITOR.name, action: 'auth.sign-in-failed' } }),
      ).toBe(5);
      expect(
        await db.prisma.auditEvent.count({ where: { actor: AUDITOR.name, action: 'auth.sign-in-locked' } }),
      ).toBe(1);
      // an unknown name gets the same answer (nothing tells which names exist)
      const unknown = await someone.post('/signin', { name: 'nobody', password: 'whatever-123' });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toContain('用户名或密码错误');
    });

    it('signing out ends the session on the server', async () => {
      const s = await new WebSession(web.url).signIn(OFFICE.name, OFFICE.password);
      const kept = new Map(s.cookies);
      const out = await s.post('/signout');
      expect(out.status).toBe(303);
      const replay = new WebSession(web.url);
      for (const [k, v] of kept) replay.cookies.set(k, v);
      expect((await replay.get('/')).status).toBe(303);
      expect(
        await db.prisma.auditEvent.count({ where: { action: 'auth.sign-out', actor: OFFICE.name } }),
      ).toBe(1);
      expect(
        await db.prisma.auditEvent.count({ where: { action: 'auth.sign-in', actor: OFFICE.name } }),
      ).toBeGreaterThanOrEqual(2);
    });
  });

  describe("the units' listener", () => {
    it('serves the units’ guide and the reply form only; the desk does not serve /reply', async () => {
      const guide = await fetch(`${web.publicUrl}/help/units`);
      expect(guide.status).toBe(200);
      expect(guide.headers.get('content-security-policy')).toContain(
        "script-src 'none'".slice(0, 0) + "default-src 'none'",
      );
      expect(await guide.text()).toMatch(/id="guide"|暂无/);
      expect((await fetch(`${web.publicUrl}/reply/abc`)).status).toBe(403);
      for (const path of ['/', '/inbox', '/signin', '/health', `/tasks/${ids.red}`])
        expect((await fetch(`${web.publicUrl}${path}`)).status, path).toBe(404);
      expect((await office.get('/reply/abc')).status).toBe(404);
    });
  });
});
