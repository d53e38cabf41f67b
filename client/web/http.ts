// The HTTP plumbing every page shares: one way to answer (with the security
// headers every answer carries) and one way to read a posted form, bounded.
import type http from 'node:http';

/** Pages load nothing from elsewhere, run no script, post only to us, and are never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function send(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/html; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

/** A posted url-encoded form, or null when it is larger than `limit` bytes. */
export async function readForm(
  req: http.IncomingMessage,
  limit = 256 * 1024,
): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
