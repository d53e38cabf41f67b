// The units' listener (PUBLIC_HOST:PUBLIC_PORT, reachable from outside as
// PUBLIC_URL): only the reply form reached by a signed token, the units'
// guide and its style sheet. No account, no cookie: the token is the key.
import Fastify, { type FastifyInstance } from 'fastify';
import { html } from '../../lib/html.ts';
import type { InboundDeps } from '../../lib/inbound/ingest.ts';
import type { Config } from '../../lib/config.ts';
import { installForms } from './forms.ts';
import { frameworkErrors, installSecurity, PUBLIC_CSP } from './security.ts';
import { PUBLIC_CSS } from './static.ts';
import { replyRoutes } from './routes/reply.ts';
import { guideBody } from './routes/help.ts';
import { escapeHtml, type Raw } from '../../lib/html.ts';

function publicPage(title: string, body: Raw): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · 督办</title><link rel="stylesheet" href="/static/public.css"></head><body><header>督办 · 工作任务进展报送</header><main>${body.html}</main></body></html>`;
}

export async function buildPublicApp(config: Config, inbound: InboundDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrors((title, message) =>
      publicPage(title, html`<div class="doc"><p>${message}</p></div>`),
    ),
  });
  await installSecurity(app, {
    allowedHosts: config.web.allowedHosts,
    csp: PUBLIC_CSP,
    https: new URL(config.web.publicUrl).protocol === 'https:',
    errorPage: (_request, _reply, _status, title, message) =>
      publicPage(title, html`<div class="doc"><p>${message}</p></div>`),
  });
  await installForms(app);
  app.get('/static/public.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PUBLIC_CSS),
  );
  app.get('/help/units', async (_request, reply) => {
    const g = await guideBody('units');
    return reply.type('text/html; charset=utf-8').send(publicPage(g.title, g.body));
  });
  replyRoutes(app, inbound);
  return app;
}
