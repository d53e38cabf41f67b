// The desk's routes, each declared with who may use it, so that roles are
// enforced on the server per route (and the tests walk the same list):
//   anyone   the sign-in page, the style sheet, /health
//   reader   the office and auditors: every page and every download
//   office   the office only: every change (an auditor gets 403)
// Without a session a page redirects to the sign-in page and anything else
// answers 401. Every POST also needs the form's CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from './layout.ts';
import { messagePage } from './layout.ts';
import type { SignedInUser } from './auth/sessions.ts';

export type Access = 'anyone' | 'reader' | 'office';

export interface RouteInfo {
  method: 'GET' | 'POST';
  url: string;
  access: Access;
}

export interface RouteContext extends PageContext {
  user: SignedInUser;
}

type Handler<C> = (request: FastifyRequest, reply: FastifyReply, ctx: C) => Promise<string | void>;

/** The page context of a request: the user and a CSRF token bound to their session. */
export function pageContext(request: FastifyRequest, reply: FastifyReply, section?: string): PageContext {
  const user = request.user;
  return {
    user,
    csrf: reply.generateCsrf({ userInfo: user?.sessionHash ?? 'anonymous' }),
    section,
  };
}

export class DeskRoutes {
  readonly list: RouteInfo[] = [];
  constructor(private readonly app: FastifyInstance) {}

  add(
    method: RouteInfo['method'],
    url: string,
    access: 'anyone',
    handler: Handler<PageContext>,
    section?: string,
  ): void;
  add(
    method: RouteInfo['method'],
    url: string,
    access: 'reader' | 'office',
    handler: Handler<RouteContext>,
    section?: string,
  ): void;
  add(
    method: RouteInfo['method'],
    url: string,
    access: Access,
    handler: Handler<never>,
    section?: string,
  ): void {
    this.list.push({ method, url, access });
    const app = this.app;
    app.route({
      method,
      url,
      onRequest: async (request, reply) => {
        if (access === 'anyone') return;
        const user = request.user;
        if (!user) {
          if (method === 'GET') {
            const next = request.url.startsWith('/') ? request.url : '/';
            return reply.redirect(`/signin?next=${encodeURIComponent(next)}`, 303);
          }
          return reply
            .code(401)
            .type('text/html; charset=utf-8')
            .send(messagePage('请先登录', '请先登录后再操作。', {}, '/signin'));
        }
        if (access === 'office' && user.role !== 'office') {
          return reply
            .code(403)
            .type('text/html; charset=utf-8')
            .send(
              messagePage(
                '无权操作',
                '审计账号只能查看和下载，不能办理或修改；此操作需要督查室账号。',
                pageContext(request, reply),
                request.headers.referer ? undefined : '/',
              ),
            );
        }
      },
      // the form's token is in the body: checked once the body is read
      ...(method === 'POST' ? { preHandler: app.csrfProtection } : {}),
      handler: async (request, reply) => {
        const ctx = pageContext(request, reply, section);
        const body = await (handler as Handler<PageContext>)(request, reply, ctx);
        if (reply.sent) return reply;
        if (typeof body === 'string') return reply.type('text/html; charset=utf-8').send(body);
        return reply;
      },
    });
  }
}
