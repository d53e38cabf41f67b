// The embedded SMTP catcher over real SMTP: nodemailer sends, the catcher keeps
// every message as .eml, and hands replies to the inbox to the inbound pipeline.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../lib/config.ts';
import {
  startSmtpCatcher,
  listCaughtMail,
  isReplyInbox,
  type SmtpCatcher,
} from '../../client/up/smtp-catcher.ts';
import { freePort } from '../helpers/ports.ts';

describe('SMTP catcher', () => {
  let catcher: SmtpCatcher | undefined;
  afterAll(async () => catcher?.close());

  it('keeps every message as .eml and passes replies and bounces on to the inbound pipeline', async () => {
    const config = loadConfig({
      DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-smtp-')),
      SMTP_CATCHER_PORT: String(await freePort()),
    });
    const replies: Buffer[] = [];
    catcher = await startSmtpCatcher(config, { onReply: async (raw) => void replies.push(raw) });
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: config.smtp.catcherPort,
      secure: false,
      ignoreTLS: true,
    });
    await t.sendMail({
      from: 'duban@duban.test',
      to: 'fgw@sp.test',
      subject: '【交办】第9项 请报进度',
      text: '请于 6 月 25 日前报送进度。',
    });
    await t.sendMail({
      from: 'fgw@sp.test',
      to: 'duban+abc123@duban.test',
      subject: '回复：【交办】第9项',
      text: '状态：推进中\n进度：60%',
    });
    await t.sendMail({
      from: 'MAILER-DAEMON@sp.test',
      to: 'duban-bounces@duban.test',
      subject: 'Undelivered Mail Returned to Sender',
      text: '550 用户不存在',
    });
    t.close();
    await new Promise((r) => setTimeout(r, 100));
    const caught = listCaughtMail(config);
    expect(caught).toHaveLength(3);
    const bodies = caught.map((m) => readFileSync(path.join(catcher!.dir, m.name), 'utf8'));
    expect(bodies.some((b) => b.includes('fgw@sp.test') && b.includes('Subject: =?UTF-8?'))).toBe(true);
    expect(replies).toHaveLength(2);
    expect(replies[0]!.toString()).toContain('duban+abc123@duban.test');
    expect(replies[1]!.toString()).toContain('Undelivered Mail Returned to Sender');
  });

  it('recognises the reply inbox with or without a plus token, and nothing else', () => {
    const config = loadConfig({ DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-smtp-')) });
    expect(isReplyInbox('duban@duban.test', config)).toBe(true);
    expect(isReplyInbox('Duban+T0k3n@Duban.Test', config)).toBe(true);
    expect(isReplyInbox('duban-bounces@duban.test', config)).toBe(false);
    expect(isReplyInbox('duban@other.test', config)).toBe(false);
  });
});
