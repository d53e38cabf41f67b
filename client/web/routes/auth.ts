// Signing in and out:
//   GET  /signin    the form (?next= the page to go back to)
//   POST /signin    checks the password (argon2id), the lock-out; a new session cookie
//   POST /signout   ends this session
import type { FastifyReply } from 'fastify';
import type { DeskDeps } from '../deps.ts';
import type { DeskRoutes } from '../routing.ts';
import { formOf } from '../forms.ts';
import { signIn } from '../auth/sign-in.ts';
import { SESSION_COOKIE, createSession, endSession, clearExpiredSessions } from '../auth/sessions.ts';
import { signInPage } from '../views/signin.ts';

/** Only a path of our own: never an absolute URL someone slipped into ?next= (open redirect). */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/signin') ? next : '/';
}

export function sessionCookieOptions(deps: DeskDeps) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: new URL(deps.config.web.url).protocol === 'https:',
    signed: true,
  };
}

export function authRoutes(routes: DeskRoutes, deps: DeskDeps): void {
  const prisma = deps.db.prisma;

  routes.add('GET', '/signin', 'anyone', async (request, reply, ctx) => {
    const next = safeNext((request.query as { next?: string }).next);
    if (request.user) return void reply.redirect(next, 303);
    return signInPage(ctx, { next });
  });

  routes.add('POST', '/signin', 'anyone', async (request, reply: FastifyReply, ctx) => {
    const form = formOf(request);
    const name = form.text('name');
    const next = safeNext(form.text('next'));
    if (!name.trim() || !form.text('password')) {
      reply.code(400);
      return signInPage(ctx, { next, name, error: '请填写用户名和密码。' });
    }
    const result = await signIn(prisma, name, form.text('password'), { ip: request.ip });
    if (!result.ok) {
      reply.code(result.reason === 'locked' ? 429 : 401);
      return signInPage(ctx, { next, name, error: result.message });
    }
    if (request.user) await endSession(prisma, request.user.sessionHash);
    await clearExpiredSessions(prisma);
    const session = await createSession(prisma, result.user.id, deps.config.web.sessionHours, {
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    });
    reply.setCookie(SESSION_COOKIE, session.id, {
      ...sessionCookieOptions(deps),
      expires: session.expiresAt,
    });
    return void reply.redirect(next, 303);
  });

  routes.add('POST', '/signout', 'reader', async (request, reply) => {
    await endSession(prisma, request.user!.sessionHash);
    await prisma.auditEvent.create({ data: { actor: request.user!.name, action: 'auth.sign-out' } });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return void reply.redirect('/signin', 303);
  });
}
