// The office's desk (WEB_HOST:WEB_PORT, the internal network): sign-in,
// the overview, tasks and their actions, units, the inbox, sent mail,
// reports, importing and starting a year, the audit log, the office manual.
// Fastify with its official plugins: cookies (signed), forms and uploads,
// CSRF tokens, helmet's headers and CSP (security.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import { createHmac } from 'node:crypto';
import type { DeskDeps } from './deps.ts';
import { DeskRoutes, pageContext, type RouteInfo } from './routing.ts';
import { installForms } from './forms.ts';
import { DESK_CSP, frameworkErrors, installSecurity } from './security.ts';
import { messagePage } from './layout.ts';
import { DESK_CSS } from './static.ts';
import { findSession, SESSION_COOKIE, type SignedInUser } from './auth/sessions.ts';
import { authRoutes } from './routes/auth.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { taskRoutes } from './routes/tasks.ts';
import { unitRoutes } from './routes/units.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { mailRoutes } from './routes/mail.ts';
import { reportRoutes } from './routes/reports.ts';
import { importRoutes } from './routes/import.ts';
import { helpRoutes } from './routes/help.ts';
import { auditRoutes } from './routes/audit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** who is signed in on this request (null: no valid session) */
    user: SignedInUser | null;
  }
}

export const CSRF_COOKIE = 'duban_csrf';

export async function buildDeskApp(deps: DeskDeps): Promise<{ app: FastifyInstance; routes: RouteInfo[] }> {
  const { config } = deps;
  const https = new URL(config.web.url).protocol === 'https:';
  const app = Fastify({
    logger: false,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrors((title, message) => messagePage(title, message, {}, '/')),
  });
  app.decorateRequest('user', null);

  await installSecurity(app, {
    allowedHosts: config.web.allowedHosts,
    csp: DESK_CSP,
    https,
    errorPage: (request, reply, _status, title, message) => {
      let ctx = {};
      try {
        ctx = pageContext(request, reply);
      } catch {
        // before the cookie plugin ran (a refused Host): a page without the user's menu
      }
      return messagePage(title, message, ctx, request.user ? '/' : undefined);
    },
  });
  await app.register(cookie, { secret: config.web.sessionSecret });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: https, signed: true },
    // a token is good only for the session it was made for (no cookie tossing)
    getUserInfo: (request) => request.user?.sessionHash ?? 'anonymous',
    csrfOpts: { hmacKey: createHmac('sha256', config.web.sessionSecret).update('csrf').digest() },
  });
  await installForms(app);

  app.addHook('onRequest', async (request, reply) => {
    const signed = request.cookies[SESSION_COOKIE];
    if (!signed) return;
    const unsigned = reply.unsignCookie(signed);
    request.user =
      unsigned.valid && unsigned.value ? await findSession(deps.db.prisma, unsigned.value) : null;
  });

  app.get('/static/desk.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(DESK_CSS),
  );

  const routes = new DeskRoutes(app);
  authRoutes(routes, deps);
  dashboardRoutes(routes, deps);
  taskRoutes(routes, deps);
  unitRoutes(routes, deps);
  inboxRoutes(routes, deps);
  mailRoutes(routes, deps);
  reportRoutes(routes, deps);
  importRoutes(routes, deps);
  helpRoutes(routes);
  auditRoutes(routes, deps);
  return { app, routes: routes.list };
}
