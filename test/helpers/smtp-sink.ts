// A real SMTP server (smtp-server) on a free loopback port that keeps every
// message it accepts, raw, with its envelope and Message-ID: where the tests
// send requests. The fault suite makes it misbehave on demand: be down (421
// at the greeting, or at MAIL FROM on a pooled connection), refuse for a
// while (451), hang in DATA, or call a hook when a message has arrived and
// before it answers 250 (the fault suite kills the worker there); and counts
// what it took by Message-ID (the bar: no Message-ID twice).
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  messageId: string;
  raw: Buffer;
}

export type DataHook = (mail: SunkMail) => 'take' | 'hang' | Promise<'take' | 'hang'>;

/** A message's Message-ID from its raw header (how a mail sent twice is counted). */
function messageIdOf(raw: Buffer): string {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '';
}

export interface SmtpSink {
  port: number;
  url: string;
  /** every message accepted (a hook saw it whole), in order */
  messages: SunkMail[];
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
  /** resolves when at least n messages have arrived */
  waitFor(n: number, timeoutMs?: number): Promise<SunkMail[]>;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** the server's words for a recipient it refuses for good (550), or undefined to take it */
  refuse?: (address: string) => string | undefined;
}

const unavailable = () =>
  Object.assign(new Error('Service not available, try again later'), { responseCode: 421 });

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const sink: SmtpSink = {
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
    waitFor(n, timeoutMs = 10_000) {
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
    size: 50 * 1024 * 1024,
    onConnect(_session, callback) {
      if (!sink.down) return callback();
      sink.turnedAway++;
      callback(unavailable());
    },
    // a connection opened before the outage (the transport pools them) is turned away too
    onMailFrom(_address, _session, callback) {
      if (!sink.down) return callback();
      sink.turnedAway++;
      callback(unavailable());
    },
    onRcptTo(address, _session, callback) {
      if (sink.tempFail?.(address.address))
        return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
      const refusal = options.refuse?.(address.address);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const mail: SunkMail = {
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
  // a client that vanishes mid-session (a killed worker) is the server's error event: not the test's
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}
