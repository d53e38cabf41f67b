// The office's desk in a real browser (Debian's chromium driven by
// playwright-core), on one stack for the whole file: Temporal's
// time-skipping server running the real workflow and activities, a fresh
// PostgreSQL database, both web listeners. Done as people would do it: the
// office signs in, uploads a table with an error and sees it located, uploads
// the corrected one and starts the set; a unit opens the link of its request
// mail and reports with an attachment; the year moves on; the office filters
// the red tasks, extends one with a reason, overrides a verdict, lets a held
// reply through; an auditor sees the same pages and every change it tries is
// refused; a cross-site form post and a wrong Host are refused; HTML typed
// into a task is shown as text. Screenshots of the dashboard, a task page and
// the year-end report go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createThrowawayStack, type ThrowawayStack } from '../../client/simulate/throwaway-stack.ts';
import { startWebServer, type WebServer } from '../../client/web/server.ts';
import { addUser } from '../../client/web/auth/accounts.ts';
import { ingestRaw } from '../../lib/inbound/ingest.ts';
import { replyLink } from '../../lib/mail/tokens.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { freePort } from '../helpers/ports.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const OFFICE = { name: 'duchashi', password: 'office-pass-2022' };
const AUDITOR = { name: 'shenji', password: 'auditor-pass-2022' };

const UNITS = `单位代码,单位名称,别名,类型,联系邮箱,分管领导邮箱,成员单位
D01,区发展改革委,,区级部门,fgw@units.test,leader-fgw@units.test,
D02,区科技局,,区级部门,kjj@units.test,leader-kjj@units.test,
D03,区住房城乡建委,,区级部门,zjw@units.test,leader-zjw@units.test,
`;
const TASKS_HEADER = '序号,类别,分组,工作任务,牵头单位,配合单位,完成时限\n';
const TASKS_GOOD =
  TASKS_HEADER +
  `1,重点工作,科学城,建设<b>智慧园区</b>一期,区发展改革委,区科技局,2022-12-31
2,重点工作,科学城,引进新型研发机构 5 家,区科技局,,2022-12-31
3,重点工作,城市更新,完成老旧小区改造 30 个,区住房城乡建委,,2022-01-28
`;
/** row 4 (task 3) names a unit the directory does not have */
const TASKS_BAD = TASKS_GOOD.replace(
  '完成老旧小区改造 30 个,区住房城乡建委',
  '完成老旧小区改造 30 个,区住建委办公室',
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!existsSync(CHROMIUM))('the desk in a browser', () => {
  let db: TestDatabase;
  let config: Config;
  let stack: ThrowawayStack;
  let web: WebServer;
  let browser: Browser;
  let office: BrowserContext;
  let page: Page;
  let evil: http.Server;
  let evilUrl: string;
  let files: string;
  let taskSetId: string;
  const taskId = async (seq: string) =>
    (await db.prisma.task.findFirstOrThrow({ where: { taskSetId, seq } })).id;

  beforeAll(async () => {
    files = mkdtempSync(path.join(tmpdir(), 'duban-e2e-'));
    writeFileSync(path.join(files, 'units.csv'), UNITS);
    writeFileSync(path.join(files, '分解表.csv'), TASKS_BAD);
    writeFileSync(path.join(files, 'corrected.csv'), TASKS_GOOD);
    mkdirSync(SHOTS, { recursive: true });
    const [webPort, publicPort] = [await freePort(), await freePort()];
    config = loadConfig({
      DUBAN_HOME: path.join(files, 'home'),
      TOKEN_SECRET: 'e2e-token-secret-'.repeat(3),
      WEB_PORT: String(webPort),
      PUBLIC_PORT: String(publicPort),
      PUBLIC_URL: `http://localhost:${publicPort}`,
    });
    db = await createTestDatabase('duban_e2e');
    stack = await createThrowawayStack({
      config,
      taskQueue: 'e2e-desk',
      clockStartsAt: atChinaTime('2022-01-04', '08:00'),
      database: Promise.resolve(db),
    });
    await addUser(db.prisma, { ...OFFICE, role: 'office' }, 'test');
    await addUser(db.prisma, { ...AUDITOR, role: 'auditor' }, 'test');
    web = await startWebServer({
      config,
      db,
      client: stack.env.client,
      // the desk starts the set on the test's queue and 2022 clock, as `duban up` does for its sample
      startOptions: { clockOffsetMs: stack.offset, taskQueue: stack.taskQueue, searchAttributes: false },
    });
    // a page of another site that posts a form to the desk
    evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><form method="post" action="${web.url}/tasks/${encodeURIComponent(String(evilTarget))}/suspend"><input name="reason" value="攻击"><button id="go">领奖</button></form>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
        '--host-resolver-rules=MAP evil.example 127.0.0.1',
      ],
    });
    office = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    page = await office.newPage();
  }, 120_000);

  let evilTarget = 0;

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (evil ? evil.close(() => r()) : r()));
    await web?.close();
    await stack?.close();
    await db?.drop();
  });

  async function signIn(p: Page, who: { name: string; password: string }) {
    await p.goto(`${web.url}/`);
    expect(p.url()).toContain('/signin');
    await p.fill('#name', who.name);
    await p.fill('#password', who.password);
    await p.click('button[type=submit]');
    await p.waitForURL(`${web.url}/`);
  }

  async function upload(tasksFile: string) {
    await page.goto(`${web.url}/import`);
    await page.setInputFiles('input[name=tasks]', path.join(files, tasksFile));
    await page.setInputFiles('input[name=units]', path.join(files, 'units.csv'));
    await page.fill('input[name=year]', '2022');
    await page.fill('input[name=name]', '网页演练任务集');
    await page.click('#upload-form button[type=submit]');
    await page.waitForSelector('#import-failed, #import-done, #import-diff, #job-failed', {
      timeout: 30_000,
    });
  }

  it('the office signs in, sees a table error located, uploads the corrected table and starts the set', async () => {
    await signIn(page, OFFICE);
    await upload('分解表.csv');
    expect(await page.textContent('#import-failed')).toContain('导入失败，未写入任何数据');
    const error = await page.locator('#import-errors tr').nth(1).innerText();
    expect(error).toContain('分解表.csv');
    expect(error).toContain('4');
    expect(error).toContain('牵头单位');
    expect(error).toContain('区住建委办公室');

    await upload('corrected.csv');
    expect(await page.textContent('#import-done')).toContain('已导入');
    taskSetId = (await db.prisma.taskSet.findFirstOrThrow({ where: { name: '网页演练任务集' } })).id;
    await page.click('#start-form button');
    await page.waitForSelector('#job-progress');
    await page.waitForSelector('#start-done', { timeout: 30_000 });
    expect(await page.textContent('#start-done')).toContain('新启动 3 项');
    evilTarget = await taskId('1');
  });

  it('a unit opens the link in its request mail, reports with an attachment and sees the workflow accept it', async () => {
    await stack.advanceTo(atChinaTime('2022-01-17', '10:00'));
    const request = await waitFor('the January request to 区科技局', () =>
      db.prisma.sentMail.findFirst({
        where: { workflowId: `duban/${taskSetId}/2`, kind: 'request', replyToken: { not: null } },
      }),
    );
    // the link the mail carries (tokens.ts replyLink, as the template writes it)
    const unit = await browser.newContext({ locale: 'zh-CN' });
    const form = await unit.newPage();
    await form.goto(replyLink(request.replyToken!, config));
    expect(await form.textContent('main')).toContain('引进新型研发机构 5 家');
    await form.selectOption('#status', '推进中');
    await form.fill('#percent', '10');
    await form.fill('#text', '已与 3 家机构签约，附签约清单。');
    await form.setInputFiles('#attachments', {
      name: '签约清单.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('机构,签约日期\n甲研究院,2022-01-12\n'),
    });
    await form.click('button[type=submit]');
    await form.waitForSelector('#result');
    expect(await form.getAttribute('#result', 'data-accepted')).toBe('true');
    expect(await form.textContent('#result')).toContain('报送成功');
    await unit.close();
    const report = await waitFor('the web report in the database', () =>
      db.prisma.report.findFirst({ where: { channel: 'web', unitName: '区科技局', accepted: true } }),
    );
    const message = await db.prisma.inboundMessage.findUniqueOrThrow({
      where: { messageId: report.inboundMessageId! },
      include: { attachments: true },
    });
    expect(message.attachments.map((a) => a.filename)).toEqual(['签约清单.csv']);

    // a reply from an address the directory does not know: held for the office
    const raw = Buffer.from(
      [
        'From: 王科员 <wang.private@qq.test>',
        'To: duban@duban.test',
        `Subject: 回复：${request.subject} [督办-${request.replyRef}]`,
        'Message-ID: <held-e2e-1@qq.test>',
        `In-Reply-To: ${request.messageId}`,
        'Date: Mon, 17 Jan 2022 11:00:00 +0800',
        'Content-Type: text/plain; charset=utf-8',
        '',
        '状态：推进中',
        '进度：15%',
        '又与 1 家机构达成意向。',
        '',
      ].join('\r\n'),
    );
    const held = await ingestRaw({ prisma: db.prisma, client: stack.env.client, config }, raw, 'imap');
    expect(held).toMatchObject({ outcome: 'held', reason: expect.stringContaining('未登记') });
  });

  it('the year moves on; the office filters the red tasks, extends one and overrides a verdict', async () => {
    await stack.advanceTo(atChinaTime('2022-02-10', '10:00'));
    await waitFor(
      'task 1 red',
      async () => (await db.prisma.task.findFirst({ where: { taskSetId, seq: '1', light: 'red' } })) ?? null,
    );
    await waitFor(
      'task 3 red',
      async () => (await db.prisma.task.findFirst({ where: { taskSetId, seq: '3', light: 'red' } })) ?? null,
    );

    await page.goto(`${web.url}/?set=${taskSetId}`);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    await page.selectOption('select[name=light]', 'red');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/light=red/);
    const seqs = await page
      .locator('#tasks tr[data-seq]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-seq')));
    expect(seqs).toEqual(['1', '3']);

    // task 1: the deadline moves, with a reason, and the workflow takes it
    await page.click('#tasks tr[data-seq="1"] td[data-label="工作任务"] a');
    await page.waitForSelector('#title');
    await page.fill('form[data-action=extend] input[name=deadline]', '2023-01-31');
    await page.fill('form[data-action=extend] input[name=reason]', '受疫情影响，经区政府同意延期');
    await page.click('form[data-action=extend] button');
    await page.waitForSelector('#done');
    expect(await page.textContent('#done')).toContain('调整完成时限');
    await waitFor('the new deadline projected', async () =>
      (await db.prisma.task.findFirstOrThrow({ where: { taskSetId, seq: '1' } })).deadline
        .toISOString()
        .startsWith('2023-01-31'),
    );
    await page.reload();
    expect(await page.textContent('#facts')).toContain('2023-01-31');
    expect(await page.textContent('#timeline')).toContain('受疫情影响，经区政府同意延期');
    await page.screenshot({ path: path.join(SHOTS, 'task.png'), fullPage: true });

    // task 3: its final report never came; the office overrides the proposal
    await page.goto(`${web.url}/tasks/${await taskId('3')}`);
    expect(await page.textContent('#verdict')).toContain('拟定评定');
    await page.selectOption('form[data-action=verdict] select[name=verdict]', '部分完成');
    await page.fill('form[data-action=verdict] input[name=reason]', '已完成改造 21 个，其余纳入下年度计划');
    await page.click('form[data-action=verdict] button');
    await page.waitForSelector('#done');
    const verdict = await waitFor('the verdict projected', async () =>
      db.prisma.verdict.findFirst({ where: { task: { taskSetId, seq: '3' } } }),
    );
    expect(verdict).toMatchObject({
      final: '部分完成',
      proposed: '未完成',
      overridden: true,
      decidedBy: 'office',
    });
    await page.reload();
    expect(await page.textContent('#verdict')).toContain('督查室改定');
    expect(
      await db.prisma.auditEvent.count({
        where: { actor: OFFICE.name, action: { in: ['task.extend', 'task.verdict'] } },
      }),
    ).toBe(2);
  });

  it("a unit's page counts its 催办 and 督办 and charts its tasks' lights over the year", async () => {
    await page.goto(`${web.url}/units?set=${taskSetId}`);
    await page.click('tr[data-unit="区发展改革委"] a');
    await page.waitForSelector('#lights-chart');
    expect(await page.textContent('#unit-summary')).toMatch(/催办 2 次、督办 1 次/);
    // red from the week of the 督办 (30 January) on
    expect(await page.locator('#lights-chart rect.bar[fill="#c5221f"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#lights-chart rect.bar[fill="#188038"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'unit.png'), fullPage: true });
  });

  it('the office lets the held reply through', async () => {
    await page.goto(`${web.url}/inbox?outcome=held`);
    await page.click('tr[data-message-id="<held-e2e-1@qq.test>"] a:has-text("详情")');
    await page.click('#apply-form button');
    await page.waitForSelector('#outcome');
    expect(await page.textContent('#outcome')).toBe('已报送');
    expect(await page.textContent('#reason')).toContain(`督查室（${OFFICE.name}）核实后放行`);
    await waitFor('the released report in the workflow', () =>
      db.prisma.report.findFirst({ where: { inboundMessageId: '<held-e2e-1@qq.test>', accepted: true } }),
    );
  });

  it('HTML typed into a task is shown as text', async () => {
    await page.goto(`${web.url}/?set=${taskSetId}`);
    const cell = page.locator('#tasks tr[data-seq="1"] td[data-label="工作任务"]');
    expect(await cell.innerText()).toBe('建设<b>智慧园区</b>一期');
    expect(await page.locator('#tasks b').count()).toBe(0);
  });

  it('on a phone the task table becomes one card per task', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      locale: 'zh-CN',
    });
    await phone.addCookies(await office.cookies());
    const p = await phone.newPage();
    await p.goto(`${web.url}/?set=${taskSetId}`);
    expect(await p.locator('#tasks tr').first().isVisible()).toBe(false);
    const card = await p.locator('#tasks tr[data-seq="2"]').boundingBox();
    expect(card!.width).toBeLessThanOrEqual(390);
    // each value labelled by its column (CSS ::before from data-label)
    const label = await p
      .locator('#tasks tr[data-seq="2"] td[data-label="牵头单位"]')
      .evaluate((td) => getComputedStyle(td, '::before').content);
    expect(label).toContain('牵头单位');
    await p.screenshot({ path: path.join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    // nothing wider than the screen: no sideways scrolling
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it('an auditor sees the same pages, and every change it tries is refused', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const p = await context.newPage();
    await signIn(p, AUDITOR);
    await p.goto(`${web.url}/?set=${taskSetId}`);
    expect(await p.locator('#tasks tr[data-seq]').count()).toBe(3);
    const id1 = await taskId('1');
    await p.goto(`${web.url}/tasks/${id1}`);
    expect(await p.textContent('#read-only')).toContain('审计账号只读');
    expect(await p.locator('form[data-action]').count()).toBe(0);
    expect(await p.textContent('#timeline')).toContain('受疫情影响');
    for (const url of ['/inbox', '/mail', '/units', '/reports', '/audit', '/import'])
      expect((await p.goto(`${web.url}${url}`))!.status(), url).toBe(200);
    // what it tries anyway, with its own valid form token: refused on the server
    const csrf = await p.getAttribute('input[name=_csrf]', 'value');
    const held = await db.prisma.inboundMessage.findUniqueOrThrow({
      where: { messageId: '<held-e2e-1@qq.test>' },
    });
    for (const [url, form] of [
      [`/tasks/${id1}/extend`, { deadline: '2023-06-30', reason: '审计试图修改' }],
      [`/tasks/${id1}/withdraw`, { reason: '审计试图撤销' }],
      [`/inbox/${held.id}/reject`, { reason: '审计试图拒收' }],
      [`/sets/${taskSetId}/start`, {}],
      ['/import', { year: '2022' }],
    ] as const) {
      const res = await p.request.post(`${web.url}${url}`, {
        form: { _csrf: csrf!, ...form },
        maxRedirects: 0,
      });
      expect(res.status(), url).toBe(403);
      expect(await res.text()).toContain('审计账号只能查看和下载');
    }
    expect(
      await db.prisma.auditEvent.count({ where: { actor: AUDITOR.name, action: { startsWith: 'task.' } } }),
    ).toBe(0);
    await context.close();
  });

  it('a cross-site form post and a wrong Host are refused', async () => {
    const p = await office.newPage();
    await p.goto(evilUrl);
    const [response] = await Promise.all([p.waitForNavigation(), p.click('#go')]);
    expect(response!.status()).toBe(403);
    expect(await p.title()).toContain('拒绝跨站提交');
    expect(await p.textContent('body')).toContain('这个提交来自其他网站，已拒绝');
    expect(await db.prisma.auditEvent.count({ where: { action: 'task.suspend' } })).toBe(0);
    const rebound = await p.goto(`http://evil.example:${new URL(web.url).port}/inbox`);
    expect(rebound!.status()).toBe(421);
    expect(await p.textContent('body')).toContain('不接受主机名「evil.example」');
    await p.close();
  });

  it('the year-end report opens in the browser', async () => {
    const res = await page.goto(`${web.url}/reports/${taskSetId}/final.html`);
    expect(res!.status()).toBe(200);
    expect(await page.textContent('body')).toContain('完成老旧小区改造 30 个');
    await page.screenshot({ path: path.join(SHOTS, 'year-end-report.png'), fullPage: true });
  });
});
