// The fault suite on real parts (test/faults/harness.ts): `duban worker`
// processes SIGKILLed in the middle of a fan-out, after the SMTP peer took a
// mail but before the worker recorded it, one of two workers on a queue
// killed, and the Temporal dev server killed and restarted on its SQLite
// file. Each case ends with checkEnd(): `duban audit verify` clean, every
// task closed with its verdict, no report lost, no Message-ID twice at the
// SMTP peer, no mail left reserved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEnd, reportAndClose, startCase, startFaultStack, until, type FaultStack } from './harness.ts';

const TASKS = 6;
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
}, 240_000);
afterAll(async () => {
  await stack?.close();
});

const sentSoFar = () => stack.sink.messages.length;

describe('faults: workers and servers dying', () => {
  it('(a) the worker SIGKILLed in the middle of the fan-out, restarted', { timeout: 300_000 }, async () => {
    const first = await stack.startWorker('faults-a');
    const before = sentSoFar();
    const c = await startCase(stack, 'faults-a', TASKS);
    await until('扇出进行到一半', () => sentSoFar() - before >= 3);
    await first.kill();
    const atKill = sentSoFar() - before;
    expect(atKill).toBeLessThan(TASKS * c.mailsBeforeVerdict);
    const second = await stack.startWorker('faults-a');
    const results = await reportAndClose(stack, c);
    await checkEnd(stack, c, results);
    await second.kill();
  });

  it(
    '(b) SIGKILL after the SMTP peer accepted a mail, before the worker recorded it',
    { timeout: 300_000 },
    async () => {
      const first = await stack.startWorker('faults-b');
      const before = sentSoFar();
      let killedOn: string | undefined;
      // the peer has the whole message; the worker dies before it hears "250"
      stack.sink.onData = async (mail): Promise<'take'> => {
        if (killedOn === undefined && sentSoFar() - before >= 4) {
          killedOn = mail.messageId;
          await first.kill();
        }
        return 'take';
      };
      try {
        const c = await startCase(stack, 'faults-b', TASKS);
        await until(
          '接收端收下邮件后工作进程被杀',
          () => first.child.exitCode !== null || first.child.signalCode !== null,
        );
        stack.sink.onData = undefined;
        await stack.startWorker('faults-b');
        const results = await reportAndClose(stack, c);
        await checkEnd(stack, c, results);
        // that mail: once at the peer, and on the record as uncertain (not sent again)
        expect(stack.sink.messages.filter((m) => m.messageId === killedOn)).toHaveLength(1);
        const row = await stack.db.prisma.sentMail.findUnique({ where: { messageId: killedOn! } });
        expect(row?.status).toBe('uncertain');
      } finally {
        stack.sink.onData = undefined;
      }
    },
  );

  it('(g) two workers on one queue, one SIGKILLed', { timeout: 300_000 }, async () => {
    const [one, two] = [await stack.startWorker('faults-g'), await stack.startWorker('faults-g')];
    const before = sentSoFar();
    const c = await startCase(stack, 'faults-g', TASKS);
    await until('扇出开始', () => sentSoFar() - before >= 2);
    await one.kill();
    const results = await reportAndClose(stack, c);
    await checkEnd(stack, c, results);
    expect(two.child.exitCode).toBeNull();
    await two.kill();
  });

  it(
    '(e) the Temporal dev server killed in the middle and restarted on its SQLite file',
    { timeout: 300_000 },
    async () => {
      const worker = await stack.startWorker('faults-e');
      const before = sentSoFar();
      const c = await startCase(stack, 'faults-e', TASKS);
      await until('扇出开始', () => sentSoFar() - before >= 2);
      await stack.stopTemporal();
      await stack.startTemporal();
      const results = await reportAndClose(stack, c);
      await checkEnd(stack, c, results);
      expect(worker.child.exitCode).toBeNull();
      await worker.kill();
    },
  );
});
