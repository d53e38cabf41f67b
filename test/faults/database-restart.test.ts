// Fault (d): PostgreSQL stopped (immediate mode, every connection cut) in
// the middle of a fan-out and started again a few seconds later — a private
// cluster (test/faults/private-postgres.ts), never the machine's server.
// The activities fail while it is down and are retried; the worker process
// survives its broken connections; the case ends as every fault case does
// (harness.ts checkEnd).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEnd,
  reportAndClose,
  sleep,
  startCase,
  startFaultStack,
  until,
  type FaultStack,
} from './harness.ts';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let stack: FaultStack;
let cluster: PrivatePostgres;

describe.skipIf(!postgresBin())('faults: the database', () => {
  beforeAll(async () => {
    const starting = startPrivatePostgres();
    stack = await startFaultStack(starting.then((c) => (cluster = c).db));
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
  });

  it(
    '(d) PostgreSQL stopped in the middle of the fan-out and started again',
    { timeout: 300_000 },
    async () => {
      const worker = await stack.startWorker('faults-d');
      const before = stack.sink.messages.length;
      const c = await startCase(stack, 'faults-d', 6);
      await until('扇出开始', () => stack.sink.messages.length - before >= 2);
      cluster.stop();
      const whileDown = stack.sink.messages.length;
      await sleep(5_000);
      cluster.start();
      const results = await reportAndClose(stack, c);
      await checkEnd(stack, c, results);
      expect(stack.sink.messages.length).toBeGreaterThan(whileDown);
      // the worker lived through its connections being cut
      expect(worker.child.exitCode).toBeNull();
      await worker.kill();
    },
  );
});
