// Records real task workflow histories for the replay test
// (test/workflow/replay.test.ts): each scenario runs on the time-skipping
// server with the real activities and PostgreSQL, and its history is saved as
// JSON here. Rerun only on purpose (the point of the stored files is that
// they were made by older code):  node --import tsx test/histories/record.ts [<scenario>…]
// (with names, only those scenarios are recorded: the others stay as they were).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { answerEveryRequest, createHarness, report, seedTaskSet, type Harness } from '../workflow/harness.ts';
import { acknowledgeSignal, decideExtensionUpdate, officeVerdictUpdate, reassignUpdate, reportSignal, requestExtensionSignal, returnReportUpdate, suspendUpdate, resumeUpdate, withdrawUpdate } from '../../workflows/messages.ts';
import { OPEN_PERIOD } from '../../workflows/types.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

type Scenario = (h: Harness) => Promise<string>;

const scenarios: Record<string, Scenario> = {
  async 'on-time-year'(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区交通局' }, { name: '区财政局' }], tasks: [{ seq: '1', lead: ['区交通局'], co: ['区财政局'] }] });
    const [wf] = await h.start(setId);
    await answerEveryRequest(h, wf!, '区交通局', { status: '完成', percent: 100 });
    await h.env.client.workflow.getHandle(wf!).result();
    return wf!;
  },
  async 'late-unit-no-final'(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区城管局' }], tasks: [{ seq: '12', deadline: '2022-10-01', lead: ['区城管局'] }] });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-02-08', '10:00'));
    await handle.signal(reportSignal, report('2022-01', '区城管局', { receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-02-09', '10:00'));
    await handle.signal(reportSignal, report('2022-05', '区审计局', { key: 'refused', receivedAt: await h.clock() }));
    await handle.result();
    return wf!;
  },
  async 'office-actions'(h) {
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区司法局' }, { name: '区民政局' }],
      tasks: [{ seq: '20', deadline: '2022-06-30', lead: ['区司法局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-18', '10:00'));
    await handle.signal(reportSignal, report('2022-01', '区司法局', { key: 'r1', receivedAt: await h.clock() }));
    await h.advanceTo(atChinaTime('2022-01-18', '11:00'));
    await handle.executeUpdate(returnReportUpdate, { args: [{ reportKey: 'r1', reason: '内容过简', by: '督查室' }] });
    await handle.executeUpdate(reassignUpdate, {
      args: [{ lead: [{ name: '区民政局', emails: ['u2@units.test'], leaderEmails: [] }], co: [], reason: '职能调整', by: '督查室' }],
    });
    await h.advanceTo(atChinaTime('2022-02-20', '10:00'));
    await handle.executeUpdate(suspendUpdate, { args: [{ reason: '等待批复', by: '督查室' }] });
    await h.advanceTo(atChinaTime('2022-04-01', '10:00'));
    await handle.executeUpdate(resumeUpdate, { args: [{ reason: '已批复', by: '督查室' }] });
    await answerEveryRequest(h, wf!, '区民政局', { status: '完成', percent: 100 });
    await h.advanceTo(atChinaTime('2022-07-04', '10:00'));
    await handle.executeUpdate(officeVerdictUpdate, { args: [{ verdict: '部分完成', reason: '台账不全', by: '督查室' }] });
    await handle.result();
    return wf!;
  },
  // issue 9's paths (patches acknowledgement-effect, extension-effects, extension-request-refusals):
  // 签收 alone and with a report for the open period, an OPEN_PERIOD report, a 延期申请 by mail
  // refused by the rules and one taken and approved, answered in the unit's thread.
  async 'mail-conversation'(h) {
    const setId = await seedTaskSet(h.db.prisma, {
      units: [{ name: '区交通局', emails: ['jtj@units.test', 'jtj2@units.test'] }, { name: '区财政局' }],
      tasks: [{ seq: '9', deadline: '2022-06-30', lead: ['区交通局'], co: ['区财政局'] }],
    });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-01-04', '10:00'));
    await handle.signal(acknowledgeSignal, { unit: '区财政局', channel: 'email', receivedAt: await h.clock() });
    await h.advanceTo(atChinaTime('2022-02-16', '10:00'));
    await handle.signal(acknowledgeSignal, {
      unit: '区交通局',
      channel: 'email',
      receivedAt: await h.clock(),
      report: report(OPEN_PERIOD, '区交通局', { key: 'email:<ack@units.test>', channel: 'email', receivedAt: await h.clock() }),
    });
    await h.advanceTo(atChinaTime('2022-03-16', '10:00'));
    await handle.signal(reportSignal, report(OPEN_PERIOD, '区交通局', { key: 'email:<open@units.test>', channel: 'email', receivedAt: await h.clock() }));
    const ask = { unit: '区交通局', reason: '征地拆迁未完成', receivedAt: await h.clock(), channel: 'email' as const };
    await handle.signal(requestExtensionSignal, { ...ask, key: 'ext-early', newDeadline: '2022-05-31', inboundMessageId: '<ask-early@units.test>' });
    await handle.signal(requestExtensionSignal, { ...ask, key: 'ext-ok', newDeadline: '2022-09-30', inboundMessageId: '<ask-ok@units.test>' });
    await h.advanceTo(atChinaTime('2022-03-16', '11:00'));
    await handle.executeUpdate(decideExtensionUpdate, { args: [{ key: 'ext-ok', approve: true, by: '督查室', reason: '同意' }] });
    await answerEveryRequest(h, wf!, '区交通局', { status: '完成', percent: 100 });
    await handle.result();
    return wf!;
  },
  async withdrawn(h) {
    const setId = await seedTaskSet(h.db.prisma, { units: [{ name: '区财政局' }], tasks: [{ seq: '99', lead: ['区财政局'] }] });
    const [wf] = await h.start(setId);
    const handle = h.env.client.workflow.getHandle(wf!);
    await h.advanceTo(atChinaTime('2022-03-01', '10:00'));
    await handle.executeUpdate(withdrawUpdate, { args: [{ reason: '不再单列', by: '督查室' }] });
    await handle.result();
    return wf!;
  },
};

async function main() {
  const h = await createHarness();
  try {
    const only = process.argv.slice(2);
    for (const [name, run] of Object.entries(scenarios)) {
      if (only.length && !only.includes(name)) continue;
      await h.begin();
      const wf = await run(h);
      const history = await h.env.client.workflow.getHandle(wf).fetchHistory();
      const file = path.join(here, `${name}.json`);
      await writeFile(file, JSON.stringify({ workflowId: wf, recordedAt: new Date().toISOString(), history: JSON.parse(historyToJSON(history)) }, null, 1) + '\n');
      process.stderr.write(`${name}: ${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}\n`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  process.stderr.write(`失败：${(err as Error).stack}\n`);
  process.exit(1);
});
