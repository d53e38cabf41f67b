// The units' reply form on the units' listener (buildPublicApp, over HTTP),
// against the real task workflow on a Temporal dev server with the real
// activities: the 交办 notice's link is the unit's 签收 and, February's
// request being out, its report; the form's 延期申请 section reaches the
// workflow as the requestExtension update — taken (the office's list has
// it), refused by the rules with the workflow's reason, or sent back with
// what is wrong with the form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { buildPublicApp } from '../../client/web/public.ts';
import { signReplyToken } from '../../lib/mail/tokens.ts';
import { stateQuery } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';
import { NOTICE_PERIOD } from '../../workflows/types.ts';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;
let app: FastifyInstance;
let config: Config;
let workflowId: string;
const home = mkdtempSync(path.join(tmpdir(), 'duban-reply-form-'));

const token = (period: string) =>
  signReplyToken(
    { workflowId, unit: '区水利局', period, expiresAt: Date.now() + 86_400_000 },
    config.tokens.secret,
  );
const post = (url: string, form: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });

beforeAll(async () => {
  [env, db] = await Promise.all([localDevEnv(), createTestDatabase('duban_reply_form')]);
  config = loadConfig({
    DUBAN_HOME: home,
    DATABASE_URL: db.url,
    TOKEN_SECRET: 'f'.repeat(40),
    SMTP_URL: 'smtp://127.0.0.1:9',
  });
  const activities = createActivities({
    prisma: db.prisma,
    config,
    transport: nodemailer.createTransport({ jsonTransport: true }),
  });
  worker = await createWorker({ connection: env.nativeConnection, taskQueue: 'reply-form', activities });
  running = worker.run();
  const setId = await seedTaskSet(db.prisma, {
    units: [{ name: '区水利局' }],
    tasks: [{ seq: '3', deadline: '2022-06-30', lead: ['区水利局'] }],
  });
  // the workflow's clock stands just before February's request goes out
  const clockOffsetMs = atChinaTime('2022-02-15', '08:59') + 55_000 - Date.now();
  const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs, searchAttributes: false });
  workflowId = start!.workflowId;
  await env.client.workflow.start('taskWorkflow', {
    taskQueue: 'reply-form',
    workflowId,
    args: [start!.input],
  });
  for (let i = 0; i < 200; i++) {
    if ((await db.prisma.request.count({ where: { task: { workflowId } } })) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  app = await buildPublicApp(config, { prisma: db.prisma, client: env.client, config });
}, 180_000);
afterAll(async () => {
  await app?.close();
  worker?.shutdown();
  await running;
  await Promise.all([env?.teardown(), db?.drop()]);
  rmSync(home, { recursive: true, force: true });
});

describe('the reply form', () => {
  it('from the 交办 notice: the 签收, and the report of the period open now', async () => {
    const link = `/reply/${token(NOTICE_PERIOD)}`;
    const page = await app.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('签收与进展报送');
    expect(page.body).toContain('交办签收（有正在报送的期次时一并报送）');
    expect(page.body).toContain(`action="${link}/extension"`);

    const res = await post(link, { status: '推进中', percent: '10', text: '已收到，已明确专人负责' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('已签收。报送成功');
    const view = await env.client.workflow.getHandle(workflowId).query(stateQuery);
    expect(view.units[0]!.acknowledgedAt).toBeGreaterThan(0);
    expect(view.periods.find((p) => p.id === '2022-02')?.reported).toHaveProperty('区水利局');
    let assignment;
    for (let i = 0; i < 100 && !assignment?.acknowledgedAt; i++) {
      assignment = await db.prisma.assignment.findFirst({ where: { task: { workflowId } } });
      if (!assignment?.acknowledgedAt) await new Promise((r) => setTimeout(r, 100));
    }
    expect(assignment).toMatchObject({ acknowledgedVia: 'web' });
  });

  it('a 延期申请: taken; refused by the rules with the reason; a bad form sent back', async () => {
    const link = `/reply/${token('2022-02')}/extension`;
    const bad = await post(link, { newDeadline: '2022-02-30', reason: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('请填写申请延至的日期');
    expect(bad.body).toContain('请写明延期理由');

    const early = await post(link, { newDeadline: '2022-05-31', reason: '汛期' });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('延期申请未被受理：新的完成时限 2022-05-31 应晚于当前时限 2022-06-30');

    const ok = await post(link, { newDeadline: '2022-09-30', reason: '汛期施工受限' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('延期申请已提交（申请延至 2022-09-30）');
    const view = await env.client.workflow.getHandle(workflowId).query(stateQuery);
    expect(view.pendingExtensions).toMatchObject([
      { unit: '区水利局', newDeadline: '2022-09-30', reason: '汛期施工受限', channel: 'web' },
    ]);
    let row;
    for (let i = 0; i < 100 && !row; i++) {
      row = await db.prisma.extensionRequest.findFirst({ where: { task: { workflowId } } });
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toMatchObject({ status: 'pending', channel: 'web', unitName: '区水利局' });
    // the submission kept raw, beside the mail in the office's inbox
    expect(
      await db.prisma.inboundMessage.findFirst({
        where: { source: 'web', unitName: '区水利局', outcome: 'applied', subject: { contains: '延期申请' } },
      }),
    ).not.toBeNull();
  });
});
