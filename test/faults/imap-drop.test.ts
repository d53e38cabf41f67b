// Fault (f): the IMAP server drops the connection in the middle of a fetch.
// The units' replies sit in a real private dovecot; `duban worker` polls it
// (IMAP_POLL_SECONDS=5) through a TCP relay that cuts the connection halfway
// through the first message bodies it carries. Nothing is lost: the next
// poll takes every reply, each once, and each becomes its unit's report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { checkEnd, closeAll, startCase, startFaultStack, until, type FaultStack } from './harness.ts';

const dovecot = dovecotBinary();

/** A relay to the IMAP server that, when armed, cuts a connection halfway through a message body's fetch. */
async function startCuttingRelay(upstreamPort: number) {
  const relay = { port: 0, armed: false, cuts: 0, server: undefined as unknown as net.Server };
  relay.server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    let cutNext = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.on('data', (chunk: Buffer) => {
      const line = chunk.toString('latin1');
      if (relay.armed && /FETCH/i.test(line) && /BODY(\.PEEK)?\[\]|BINARY|RFC822/i.test(line)) cutNext = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutNext) return void client.write(chunk);
      // half of the answer, then the line goes dead
      relay.armed = false;
      relay.cuts++;
      client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => end());
    });
  });
  await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', () => resolve()));
  relay.port = (relay.server.address() as AddressInfo).port;
  return relay;
}

describe.skipIf('missing' in dovecot)('faults: the mailbox', () => {
  let imap: Dovecot;
  let relay: Awaited<ReturnType<typeof startCuttingRelay>>;
  let stack: FaultStack;
  beforeAll(async () => {
    imap = await startDovecot();
    relay = await startCuttingRelay(imap.port);
    stack = await startFaultStack(undefined, {
      IMAP_URL: `imap://${imap.user}:${imap.pass}@127.0.0.1:${relay.port}/INBOX`,
      IMAP_POLL_SECONDS: '5',
    });
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
    relay?.server.close();
    await imap?.stop();
  });

  it(
    '(f) the IMAP connection dropped mid-fetch: nothing lost, intake resumes',
    { timeout: 300_000 },
    async () => {
      const worker = await stack.startWorker('faults-f');
      const c = await startCase(stack, 'faults-f', 3);
      // the final 请报送 reaches each unit
      const requests = new Map<string, Awaited<ReturnType<typeof simpleParser>>>();
      await until('三封请报送邮件', async () => {
        for (const m of stack.sink.messages) {
          const parsed = await simpleParser(m.raw);
          if (parsed.subject?.includes('请报送')) requests.set(m.to[0]!, parsed);
        }
        return requests.size === 3;
      });
      relay.armed = true;
      // each unit answers from its mail client; the answers land in the mailbox
      const box = await connectImap({ ...imap, host: '127.0.0.1' });
      const ids: string[] = [];
      for (const [i, unit] of c.units.entries()) {
        const address = `u${i + 1}@units.test`;
        const request = requests.get(address)!;
        const replyTo =
          request.replyTo && 'text' in request.replyTo ? request.replyTo.value[0]!.address! : '';
        const id = `<fault-f-${i + 1}-${c.setId}@units.test>`;
        ids.push(id);
        await box.append(
          'INBOX',
          [
            `From: =?UTF-8?B?${Buffer.from(unit).toString('base64')}?= <${address}>`,
            `To: ${replyTo}`,
            `Subject: =?UTF-8?B?${Buffer.from(`回复：${request.subject}`).toString('base64')}?=`,
            `Message-ID: ${id}`,
            `In-Reply-To: ${request.messageId}`,
            `Date: ${new Date().toUTCString()}`,
            'MIME-Version: 1.0',
            'Content-Type: text/plain; charset=UTF-8',
            'Content-Transfer-Encoding: base64',
            '',
            Buffer.from(`状态：完成\n进度：100%\n已全部完成。\n`).toString('base64'),
            '',
          ].join('\r\n'),
        );
      }
      await box.logout();

      await until('一次取信中途断线', () => relay.cuts > 0);
      // the next polls take every reply, each once, each as its unit's report
      await until(
        '三份报告入库',
        async () => (await stack.db.prisma.report.count({ where: { inboundMessageId: { in: ids } } })) === 3,
      );
      const inbound = await stack.db.prisma.inboundMessage.findMany({ where: { messageId: { in: ids } } });
      expect(inbound.map((m) => m.outcome).sort()).toEqual(['applied', 'applied', 'applied']);
      const reports = await stack.db.prisma.report.findMany({ where: { inboundMessageId: { in: ids } } });
      expect(reports.map((r) => [r.unitName, r.status, r.accepted, r.channel]).sort()).toEqual(
        c.units.map((u) => [u, '完成', true, 'email']).sort(),
      );
      const results = await closeAll(stack, c);
      await checkEnd(stack, c, results);
      expect(worker.child.exitCode).toBeNull();
      await worker.kill();
    },
  );
});
