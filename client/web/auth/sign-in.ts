// Signing in, with the lock-out: 5 failed attempts for one name within 15
// minutes lock that name for 15 minutes, whether or not the account exists
// (so the answer says nothing about which names exist). Every attempt is in
// the audit log: success, failure, refusal while locked.
import type { PrismaClient } from '../../../lib/db.ts';
import { verifyPassword } from './passwords.ts';
import type { Role } from './accounts.ts';

export const LOCKOUT = { failures: 5, windowMinutes: 15, lockMinutes: 15 } as const;

export type SignInResult =
  | { ok: true; user: { id: number; name: string; role: Role } }
  | { ok: false; reason: 'wrong' | 'locked'; lockedUntil?: Date; message: string };

/** China time to the minute, as the office's clocks show it. */
const chinaClock = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(11, 16);

const lockedMessage = (until: Date) =>
  `登录失败次数过多，该账号已锁定，请于 ${chinaClock(until)}（北京时间）后再试；如忘记密码，请联系管理员用 duban user passwd 重设。`;

export async function signIn(
  prisma: PrismaClient,
  rawName: string,
  password: string,
  client: { ip?: string },
  now = Date.now(),
): Promise<SignInResult> {
  const name = rawName.trim().slice(0, 60);
  const audit = (action: string, details: object = {}) =>
    prisma.auditEvent.create({
      data: { actor: name || '（空）', action, details: { ip: client.ip, ...details } },
    });

  const throttle = name ? await prisma.signInThrottle.findUnique({ where: { name } }) : null;
  if (throttle?.lockedUntil && throttle.lockedUntil.getTime() > now) {
    await audit('auth.sign-in-locked', { lockedUntil: throttle.lockedUntil.toISOString() });
    return {
      ok: false,
      reason: 'locked',
      lockedUntil: throttle.lockedUntil,
      message: lockedMessage(throttle.lockedUntil),
    };
  }

  const user = name ? await prisma.user.findUnique({ where: { name } }) : null;
  // the hash is checked even for an unknown or disabled name: the same time either way
  const matches = await verifyPassword(user?.passwordHash ?? null, password);
  if (user && matches && !user.disabled) {
    await prisma.signInThrottle.deleteMany({ where: { name } });
    await prisma.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date(now) } });
    await audit('auth.sign-in', { role: user.role });
    return { ok: true, user: { id: user.id, name: user.name, role: user.role as Role } };
  }

  // a failure: counted in a window of LOCKOUT.windowMinutes, locking at LOCKOUT.failures
  const windowStart = new Date(now - LOCKOUT.windowMinutes * 60_000);
  const fresh = !throttle || throttle.windowStart < windowStart;
  const failures = fresh ? 1 : throttle.failures + 1;
  const lockedUntil = failures >= LOCKOUT.failures ? new Date(now + LOCKOUT.lockMinutes * 60_000) : null;
  if (name) {
    await prisma.signInThrottle.upsert({
      where: { name },
      create: { name, failures, windowStart: new Date(now), lockedUntil },
      update: fresh ? { failures, windowStart: new Date(now), lockedUntil } : { failures, lockedUntil },
    });
  }
  await audit('auth.sign-in-failed', {
    failures,
    ...(user?.disabled && matches ? { disabled: true } : {}),
    ...(lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {}),
  });
  if (lockedUntil) return { ok: false, reason: 'locked', lockedUntil, message: lockedMessage(lockedUntil) };
  return {
    ok: false,
    reason: 'wrong',
    message:
      user?.disabled && matches
        ? '该账号已停用，请联系管理员。'
        : `用户名或密码错误（${LOCKOUT.windowMinutes} 分钟内连续错误 ${LOCKOUT.failures} 次将锁定 ${LOCKOUT.lockMinutes} 分钟）。`,
  };
}
