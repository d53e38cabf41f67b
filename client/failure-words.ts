// Why a connection or a query failed, in Chinese, by the error's code —
// gRPC status codes (Temporal), Node's socket errors, PostgreSQL's SQLSTATE.
// The libraries' own English (gRPC status text, the driver's messages) is
// for DUBAN_DEBUG and the log, never for the health page or the CLI.
const REFUSED = '连接被拒绝（服务未启动或地址有误）';
const NO_HOST = '找不到该主机名';
const NO_ACCESS = '没有访问权限（检查账号或证书）';

const WORDS: Record<string, string> = {
  // gRPC: UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED, UNAUTHENTICATED
  '14': REFUSED,
  '4': '响应超时',
  '7': NO_ACCESS,
  '16': NO_ACCESS,
  // Node's sockets
  ECONNREFUSED: REFUSED,
  ENOTFOUND: NO_HOST,
  EAI_AGAIN: NO_HOST,
  ETIMEDOUT: '连接超时',
  ECONNRESET: '连接被中断（服务正在重启或停止）',
  // PostgreSQL
  '28P01': '用户名或密码不对',
  '28000': '服务器不允许该用户连接',
  '3D000': '数据库不存在',
  '42P01': '数据表不存在（请先执行迁移：duban migrate）',
  '42501': '该用户没有建库（CREATE DATABASE）权限',
  '53300': '服务器连接数已满',
  '57P01': '连接被中断（服务正在重启或停止）',
  '57P03': '服务器正在启动或关闭',
};

/** The cause in Chinese when the error's code is a known one; undefined otherwise. */
export function failureWords(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? WORDS[String(code)] : undefined;
}
