// A private dovecot IMAP server (Debian's dovecot-imapd) for the tests: its
// own config, base_dir, state and maildir in a temp folder, plain IMAP on a
// free loopback port, one user with a PLAIN password. Needs root (dovecot
// drops to the `dovecot` / `dovenull` users) — see ../../../shared/FACTS.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

const CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

/** The dovecot binary, or why there is none (the test skips with that message). */
export function dovecotBinary(): { path: string } | { missing: string } {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) return { missing: 'dovecot 未安装（apt-get install -y dovecot-imapd），跳过真实 IMAP 测试' };
  if (process.getuid && process.getuid() !== 0)
    return { missing: 'dovecot 测试需要 root（dovecot 会切换到 dovecot/dovenull 用户）' };
  return { path: found };
}

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  pass: string;
  /** imap://user:pass@127.0.0.1:port/INBOX */
  url: string;
  stop(): Promise<void>;
}

/** An IMAP client of the private dovecot's mailbox, connected (the tests' and benchmarks' side: appending, checking flags). */
export async function connectImap(imap: Pick<Dovecot, 'host' | 'port' | 'user' | 'pass'>): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: false,
    auth: { user: imap.user, pass: imap.pass },
    logger: false,
  });
  await client.connect();
  return client;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  log: string,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `dovecot 已退出（${child.exitCode}）：${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`,
      );
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(
        `dovecot 未在 ${timeoutMs} ms 内监听端口 ${port}：${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDovecot(user = 'duban', pass = 'secret-password'): Promise<Dovecot> {
  const bin = dovecotBinary();
  if ('missing' in bin) throw new Error(bin.missing);
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-dovecot-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const mail = path.join(dir, 'mail');
  mkdirSync(mail);
  mkdirSync(path.join(dir, 'state'));
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${pass}\n`);
  const log = path.join(dir, 'dovecot.log');
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `# private dovecot for Duban's tests
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
mail_location = maildir:${mail}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  execFileSync('chown', ['-R', 'dovecot:dovecot', mail]);
  const child = spawn(bin.path, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, log);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    pass,
    url: `imap://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}/INBOX`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
