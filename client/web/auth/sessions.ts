// Signed-in browsers. The cookie carries a random id (signed by
// @fastify/cookie, HttpOnly, SameSite=Strict, Secure on https); the database
// keeps only the id's SHA-256, so a copy of the table signs no one in. A
// session ends at its expiry, at sign-out, or when its account's password
// changes or the account is disabled.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../../lib/db.ts';
import type { Role } from './accounts.ts';

export const SESSION_COOKIE = 'duban_session';

export interface SignedInUser {
  id: number;
  name: string;
  role: Role;
  /** the session row's key: binds CSRF tokens to this session */
  sessionHash: string;
}

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('hex');

/** A new session for the user; returns the id for the cookie (never stored). */
export async function createSession(
  prisma: PrismaClient,
  userId: number,
  hours: number,
  client: { ip?: string; userAgent?: string },
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + hours * 3600_000);
  await prisma.session.create({
    data: {
      idHash: hashSessionId(id),
      userId,
      expiresAt,
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
    },
  });
  return { id, expiresAt };
}

/** The user of a cookie's session id, or null (unknown, expired, account disabled). */
export async function findSession(prisma: PrismaClient, id: string): Promise<SignedInUser | null> {
  if (!/^[\w-]{20,100}$/.test(id)) return null;
  const idHash = hashSessionId(id);
  const row = await prisma.session.findUnique({ where: { idHash }, include: { user: true } });
  if (!row) return null;
  const now = Date.now();
  if (row.expiresAt.getTime() <= now || row.user.disabled) {
    await prisma.session.deleteMany({ where: { idHash } });
    return null;
  }
  // at most one write a minute per session, not one per page
  if (now - row.lastSeenAt.getTime() > 60_000)
    await prisma.session.update({ where: { idHash }, data: { lastSeenAt: new Date(now) } });
  return { id: row.user.id, name: row.user.name, role: row.user.role as Role, sessionHash: idHash };
}

export async function endSession(prisma: PrismaClient, sessionHash: string): Promise<void> {
  await prisma.session.deleteMany({ where: { idHash: sessionHash } });
}

/** Expired rows, cleared now and then (sign-in does it). */
export async function clearExpiredSessions(prisma: PrismaClient): Promise<void> {
  await prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
}
