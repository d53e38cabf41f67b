// What both listeners do before any route and after any failure: answer only
// to the allowed Host names (a DNS-rebinding page cannot read the desk), take
// no state change from another site (Origin / Sec-Fetch-Site), send the
// Content-Security-Policy and the other security headers (helmet) on every
// answer, and turn every failure into a Chinese page whose status comes from
// the failure's kind (lib/errors.ts) — a bug is a 500 page with no library
// text, logged to stderr.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { httpStatusOf, kindOf, messageOf } from '../../lib/errors.ts';

/** The desk: nothing from elsewhere, no script at all, styles from our own file, posts only to us, never framed. */
export const DESK_CSP = {
  'default-src': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};
/** The units' listener: the reply form's page carries its own inline style (views/reply.ts). */
export const PUBLIC_CSP = { ...DESK_CSP, 'style-src': ["'self'", "'unsafe-inline'"] };
/** A report opened in the browser: its print style is inline (client/report/render.ts); still no script. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Host header's name without its port, lower case ('' when there is none). */
export function hostName(host: string | undefined): string {
  const h = (host ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0] ?? '';
}

export type ErrorPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  message: string,
) => string | Promise<string>;

/** Fastify's and its plugins' own failures, told in Chinese by their code. */
const FRAMEWORK_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, '提交的内容过大。'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, '不支持的提交格式。'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, '请求的长度与内容不符。'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, '请求内容为空。'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, '请求内容格式有误。'],
  FST_CSRF_INVALID_TOKEN: [403, '表单校验失败（表单已过期或来自其他网站）。请回到页面刷新后重新提交。'],
  FST_CSRF_MISSING_SECRET: [
    403,
    '表单校验失败（缺少校验信息，可能是浏览器禁用了 Cookie）。请刷新页面后重新提交。',
  ],
  FST_REQ_FILE_TOO_LARGE: [413, '上传的文件过大。'],
  FST_FILES_LIMIT: [413, '上传的文件过多。'],
  FST_PARTS_LIMIT: [413, '提交的内容项过多。'],
  FST_FIELDS_LIMIT: [413, '提交的字段过多。'],
  FST_PROTO_VIOLATION: [400, '提交的内容格式有误。'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, '此处需要以文件上传表单（multipart/form-data）提交。'],
};

/**
 * Fastify's `frameworkErrors`: a URL the router will not take (a parameter
 * past maxParamLength — a 5,000-character token —, a malformed escape) is a
 * Chinese page with its status, never Fastify's English JSON.
 */
export function frameworkErrors(page: (title: string, message: string) => string) {
  return (err: { code?: string }, _request: unknown, reply: FastifyReply): void => {
    const [status, message] =
      err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [414, '链接过长，不是本系统发出的链接。请使用邮件中的链接。']
        : [400, '链接格式有误。请使用邮件中的链接。'];
    void reply.code(status).type('text/html; charset=utf-8').send(page('链接有误', message));
  };
}

export async function installSecurity(
  app: FastifyInstance,
  options: { allowedHosts: string[]; csp: Record<string, string[]>; https: boolean; errorPage: ErrorPage },
): Promise<void> {
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const { errorPage } = options;

  // first, so that even a refusal below carries the headers
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: options.csp },
    // HSTS only means something on https; on plain http a browser ignores it anyway
    strictTransportSecurity: options.https ? { maxAge: 15552000 } : false,
    // same-origin: our own pages' posts keep their Origin; nothing leaks to other sites
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });

  app.addHook('onRequest', async (request, reply) => {
    const host = hostName(request.headers.host);
    if (!allowed.has(host)) {
      return reply
        .code(421)
        .type('text/html; charset=utf-8')
        .send(
          await errorPage(
            request,
            reply,
            421,
            '主机名不符',
            `本服务不接受主机名「${host || '（无）'}」的访问。请使用管理员公布的地址；如需新增，请配置 WEB_ALLOWED_HOSTS。`,
          ),
        );
    }
    if (SAFE_METHODS.has(request.method)) return;
    // Fetch metadata first (every current browser sends it, whatever the referrer
    // policy); else the Origin header, which must name this very host
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    let crossSite = false;
    if (typeof site === 'string') crossSite = site !== 'same-origin' && site !== 'none';
    else if (origin !== undefined)
      crossSite =
        origin === 'null' ||
        !URL.canParse(origin) ||
        new URL(origin).host !== request.headers.host?.toLowerCase();
    if (crossSite) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          await errorPage(
            request,
            reply,
            403,
            '拒绝跨站提交',
            '这个提交来自其他网站，已拒绝。请在本系统的页面上操作。',
          ),
        );
    }
  });

  // Pages carry the office's data: never kept by a browser or a proxy.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(await errorPage(request, reply, 404, '未找到', `页面不存在：${request.url.split('?')[0]}`)),
  );

  app.setErrorHandler(async (err, request, reply) => {
    const code = (err as { code?: string }).code;
    const framework = code ? FRAMEWORK_ERRORS[code] : undefined;
    let status: number;
    let message: string;
    if (framework) [status, message] = framework;
    else if (kindOf(err)) {
      status = httpStatusOf(err);
      message = messageOf(err);
    } else {
      const given = (err as { statusCode?: number }).statusCode;
      if (given && given >= 400 && given < 500) {
        status = given;
        message = '请求有误，无法处理。';
      } else {
        // ours: logged here, never shown (it may hold a library's or a database's own text)
        process.stderr.write(
          `网页请求 ${request.method} ${request.url} 出错：${(err as Error)?.stack ?? String(err)}\n`,
        );
        status = 500;
        message = '服务器内部错误，请稍后重试；问题持续时请联系管理员。';
      }
    }
    const title =
      status === 404 ? '未找到' : status === 403 ? '无权操作' : status >= 500 ? '出错了' : '无法办理';
    if (reply.sent) return;
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(await errorPage(request, reply, status, title, message));
  });
}
