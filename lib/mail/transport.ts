// The one place the outgoing mail transport is chosen: SMTP_URL when set
// (production), else Duban's own SMTP catcher on loopback (embedded stack and
// tests). Pooled, so a year's requests reuse a few connections.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.ts';

export function createTransport(config: Config): Transporter {
  const url = new URL(config.smtp.url);
  return nodemailer.createTransport({
    pool: true,
    maxConnections: 3,
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    // the embedded catcher speaks plain SMTP on loopback
    ignoreTLS: config.smtp.embedded,
    // below sendMail's 1-minute start-to-close timeout: an attempt ends (and
    // says how) before Temporal gives up on it and starts another
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 40_000,
  });
}
