// `duban worker`, the real CLI in a child process, against a Temporal dev
// server, a fresh PostgreSQL database and an SMTP sink: with the prebuilt
// workflow bundle of the current sources it starts without bundling (no
// rebuild line), polls its task queue (what `duban health` checks), runs a
// task workflow from that bundle (the 交办 notice reaches the unit), and
// stops cleanly on SIGTERM. Whether a stale bundle is rebuilt is the unit
// test's (test/unit/workflow-bundle.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig } from '../../lib/config.ts';
import { checkWorker } from '../../client/health.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { bundleAndKeep, findPrebuiltBundle, rebuildNotice } from '../../worker/workflow-bundle.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const bin = fileURLToPath(new URL('../../bin/duban.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sink: SmtpSink;
const home = mkdtempSync(path.join(tmpdir(), 'duban-worker-'));

beforeAll(async () => {
  [env, db, sink] = await Promise.all([
    localDevEnv(),
    createTestDatabase('duban_worker'),
    startSmtpSink(),
    // what scripts/setup.sh leaves behind, when another checkout's sources left it stale
    findPrebuiltBundle().fresh ? undefined : bundleAndKeep(),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([env?.teardown(), db?.drop(), sink?.close()]);
  rmSync(home, { recursive: true, force: true });
});

describe('duban worker', () => {
  it(
    'runs the prebuilt bundle: polls, runs a task workflow, stops on SIGTERM',
    { timeout: 180_000 },
    async () => {
      expect(findPrebuiltBundle().fresh).toBe(true);
      const vars = {
        DUBAN_HOME: home,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: 'worker-cli-test',
        SMTP_URL: sink.url,
        TOKEN_SECRET: 'w'.repeat(40),
        WORKER_MAX_CACHED_WORKFLOWS: '10',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '2',
      };
      const config = loadConfig(vars);
      const started = Date.now();
      const child = spawn(process.execPath, [bin, 'worker'], {
        env: { ...process.env, ...vars },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        while (!stderr.includes('worker 已启动')) {
          if (child.exitCode !== null) throw new Error(`duban worker exited early:\n${stderr}`);
          if (Date.now() - started > 60_000) throw new Error(`no start line in 60 s:\n${stderr}`);
          await sleep(50);
        }
        process.stderr.write(
          `duban worker with the prebuilt bundle: started in ${Date.now() - started} ms\n`,
        );
        expect(stderr).toContain(`任务队列 ${config.temporal.taskQueue}`);
        expect(stderr).not.toContain(rebuildNotice('missing'));
        expect(stderr).not.toContain(rebuildNotice('stale'));

        // What `duban health` reports for the worker.
        let health = await checkWorker(config, env.client);
        for (let i = 0; i < 40 && !health.ok; i++) {
          await sleep(250);
          health = await checkWorker(config, env.client);
        }
        expect(health).toMatchObject({ ok: true });
        expect(health.detail).toContain('在轮询');

        // A task workflow on its queue: the bundle's code runs and the 交办 notice goes out.
        const setId = await seedTaskSet(db.prisma, {
          units: [{ name: '区交通局', emails: ['jtj@units.test'] }],
          tasks: [{ seq: '7', text: '推进轨道交通建设', lead: ['区交通局'] }],
        });
        const clockOffsetMs = atChinaTime('2022-01-04', '09:00') - Date.now();
        const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs, searchAttributes: false });
        await env.client.workflow.start('taskWorkflow', {
          taskQueue: config.temporal.taskQueue,
          workflowId: start!.workflowId,
          args: [start!.input],
        });
        const [notice] = await sink.waitFor(1, 60_000);
        expect(notice!.to).toEqual(['jtj@units.test']);
        expect((await simpleParser(notice!.raw)).subject).toContain('交办');
      } finally {
        if (child.exitCode === null) child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(stderr).toContain('worker 已停止');
    },
  );
});
