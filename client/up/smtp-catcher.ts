// Duban's own SMTP server for the embedded stack: it accepts every message on
// loopback and keeps it as an .eml file under DUBAN_HOME/mail/, so the office
// can read what was sent (web UI) and nothing leaves the machine. Messages
// addressed to the reply inbox (<REPLY_INBOX>[+token]@<REPLY_DOMAIN>) are
// replies from units, and those to the bounce address are delivery reports:
// both are also handed to the inbound pipeline.
import { SMTPServer } from 'smtp-server';
import { mkdirSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../lib/config.ts';

export interface CaughtMail {
  file: string;
  from: string;
  to: string[];
  size: number;
}

export interface SmtpCatcher {
  port: number;
  dir: string;
  close(): Promise<void>;
}

export interface CatcherOptions {
  /** called for a message with a recipient in the reply inbox; errors are logged, the mail is kept anyway */
  onReply?: (raw: Buffer, mail: CaughtMail) => Promise<unknown>;
  onError?: (err: Error) => void;
}

export function isReplyInbox(address: string, config: Config): boolean {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  return (
    domain === config.mail.replyDomain.toLowerCase() &&
    local.split('+')[0] === config.mail.replyInbox.toLowerCase()
  );
}

/** Bounces come back to the envelope sender: they too go to the inbound pipeline (marking addresses failing). */
export function isBounceAddress(address: string, config: Config): boolean {
  return address.toLowerCase() === config.mail.bounceAddress.toLowerCase();
}

export function mailDir(config: Config): string {
  return path.join(config.home, 'mail');
}

export async function startSmtpCatcher(config: Config, options: CatcherOptions = {}): Promise<SmtpCatcher> {
  const dir = mailDir(config);
  mkdirSync(dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'Duban 邮件收集器',
    // advertised in EHLO and enforced while receiving: past it nothing more is kept
    size: config.limits.mailBytes,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let received = 0;
      stream.on('data', (c: Buffer) => {
        received += c.length;
        if (received <= config.limits.mailBytes) chunks.push(c);
        else chunks.length = 0;
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || received > config.limits.mailBytes) {
          const err = Object.assign(
            new Error(`Message exceeds the size limit of ${config.limits.mailBytes} bytes (MAIL_MAX_BYTES)`),
            { responseCode: 552 },
          );
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        const now = new Date();
        const name = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.eml`;
        const file = path.join(dir, name);
        try {
          writeFileSync(file, raw);
        } catch (err) {
          callback(err as Error);
          return;
        }
        const mail: CaughtMail = {
          file,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          size: raw.length,
        };
        callback();
        if (options.onReply && mail.to.some((a) => isReplyInbox(a, config) || isBounceAddress(a, config))) {
          options.onReply(raw, mail).catch((err: Error) => options.onError?.(err));
        }
      });
    },
  });
  server.on('error', (err) => options.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.smtp.catcherPort, '127.0.0.1', () => resolve());
  });
  return {
    port: config.smtp.catcherPort,
    dir,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The caught mails, newest first. */
export function listCaughtMail(config: Config, limit = 200): { name: string; size: number; at: Date }[] {
  const dir = mailDir(config);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  return names
    .sort()
    .reverse()
    .slice(0, limit)
    .map((name) => {
      const st = statSync(path.join(dir, name));
      return { name, size: st.size, at: st.mtime };
    });
}
