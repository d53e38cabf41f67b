// The SMTP peer of the fault suite: a real smtp-server on loopback that
// counts what it accepted by Message-ID (the bar: no Message-ID
// twice), and that can misbehave on demand: be down (421 at the greeting),
// hang in DATA, or call a hook when a message has arrived and before it
// answers 250 (the fault suite kills the worker there).
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { messageIdOf } from '../helpers/smtp-sink.ts';

export interface FaultMail {
  from: string;
  to: string[];
  messageId: string;
  raw: Buffer;
}

export type DataHook = (mail: FaultMail) => 'take' | 'hang' | Promise<'take' | 'hang'>;

export interface FaultSink {
  port: number;
  url: string;
  /** every message accepted (the hook saw it whole), in order */
  messages: FaultMail[];
  /** Message-IDs accepted more than once */
  duplicates(): string[];
  /** down: every connection is answered 421 (at the greeting, or at MAIL FROM on an open one), nothing is taken */
  down: boolean;
  /** connections turned away while down */
  turnedAway: number;
  /** called with each message after DATA and before the server's answer */
  onData?: DataHook;
  /** a 451 for these recipients (a temporary refusal) */
  tempFail?: (address: string) => boolean;
  waitFor(n: number, timeoutMs?: number): Promise<FaultMail[]>;
  close(): Promise<void>;
}

export async function startFaultSink(port = 0): Promise<FaultSink> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const sink: FaultSink = {
    port: 0,
    url: '',
    messages: [],
    down: false,
    turnedAway: 0,
    duplicates() {
      const seen = new Map<string, number>();
      for (const m of sink.messages) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
      return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    },
    waitFor(n, timeoutMs = 60_000) {
      if (sink.messages.length >= n) return Promise.resolve(sink.messages);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`SMTP 接收端在 ${timeoutMs} ms 内只收到 ${sink.messages.length}/${n} 封邮件`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(sink.messages);
          },
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      if (!sink.down) return callback();
      sink.turnedAway++;
      callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
    },
    // a connection opened before the outage (the transport pools them) is turned away too
    onMailFrom(_address, _session, callback) {
      if (!sink.down) return callback();
      sink.turnedAway++;
      callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
    },
    onRcptTo(address, _session, callback) {
      if (!sink.tempFail?.(address.address)) return callback();
      callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const mail: FaultMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          messageId: messageIdOf(raw),
          raw,
        };
        sink.messages.push(mail);
        for (const w of waiters.filter((w) => sink.messages.length >= w.n)) w.resolve();
        void Promise.resolve(sink.onData?.(mail) ?? 'take').then((what) => {
          if (what === 'take') callback();
          // 'hang': never answer; the client times out not knowing whether it was taken
        });
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}
