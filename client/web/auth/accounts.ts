// The desk's accounts, as `duban user` manages them: the office (督查室),
// who changes things, and auditors (审计 / 纪检), who read everything and
// change nothing. Every change is in the audit log with who made it.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../../lib/db.ts';
import { BadInputError, ConflictError, NotFoundError } from '../../../lib/errors.ts';
import { hashPassword } from './passwords.ts';

export const ROLES = ['office', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_LABEL: Record<Role, string> = { office: '督查室', auditor: '审计' };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Names people type at the sign-in page: letters (Chinese too), digits, . _ - */
const NAME = /^[\p{L}\p{N}._-]{2,40}$/u;

export function checkName(name: string): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed))
    throw new BadInputError(`用户名「${name}」无效：2 到 40 个字符，只能用文字、数字和 . _ -`, { name });
  return trimmed;
}

export interface AccountView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export async function addUser(
  prisma: PrismaClient,
  input: { name: string; role: string; password: string },
  actor: string,
): Promise<AccountView> {
  const name = checkName(input.name);
  if (!isRole(input.role))
    throw new BadInputError(`角色「${input.role}」无效：应为 office（督查室）或 auditor（审计）`, {
      role: input.role,
    });
  if (await prisma.user.findUnique({ where: { name } }))
    throw new ConflictError(`用户「${name}」已存在；改密码请用 duban user passwd ${name}`, { name });
  const passwordHash = await hashPassword(input.password);
  const user = await prisma.user.create({ data: { name, role: input.role, passwordHash } });
  await prisma.auditEvent.create({
    data: { actor, action: 'user.add', details: { name, role: input.role } },
  });
  return view(user);
}

export async function listUsers(prisma: PrismaClient): Promise<AccountView[]> {
  return (await prisma.user.findMany({ orderBy: { name: 'asc' } })).map(view);
}

async function existing(prisma: PrismaClient, name: string) {
  const user = await prisma.user.findUnique({ where: { name: name.trim() } });
  if (!user) throw new NotFoundError(`没有用户「${name}」`, { name });
  return user;
}

/** A new password; every session of the account ends and its lock-out is lifted. */
export async function setPassword(
  prisma: PrismaClient,
  name: string,
  password: string,
  actor: string,
): Promise<void> {
  const user = await existing(prisma, name);
  const passwordHash = await hashPassword(password);
  await prisma.$transaction([
    prisma.user.update({
      where: { id: user.id },
      data: { passwordHash, passwordChangedAt: new Date() },
    }),
    prisma.session.deleteMany({ where: { userId: user.id } }),
    prisma.signInThrottle.deleteMany({ where: { name: user.name } }),
    prisma.auditEvent.create({ data: { actor, action: 'user.passwd', details: { name: user.name } } }),
  ]);
}

/** Disabled (or enabled again): a disabled account cannot sign in, and its sessions end now. */
export async function setDisabled(
  prisma: PrismaClient,
  name: string,
  disabled: boolean,
  actor: string,
): Promise<void> {
  const user = await existing(prisma, name);
  await prisma.$transaction([
    prisma.user.update({ where: { id: user.id }, data: { disabled } }),
    prisma.session.deleteMany({ where: { userId: user.id } }),
    prisma.auditEvent.create({
      data: { actor, action: disabled ? 'user.disable' : 'user.enable', details: { name: user.name } },
    }),
  ]);
}

function view(u: {
  name: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
}): AccountView {
  return {
    name: u.name,
    role: u.role as Role,
    disabled: u.disabled,
    createdAt: u.createdAt.toISOString(),
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
  };
}

export const FIRST_ACCOUNT = 'admin';

export type FirstAccount =
  | { created: false; accounts: number }
  | { created: true; name: string; password: string; generated: boolean };

/**
 * The embedded stack's first office account, made only when there is no
 * account at all: `admin`, with DUBAN_ADMIN_PASSWORD when it is set, else a
 * generated password that `duban up` prints once (change it with
 * `duban user passwd admin`). Production (`duban web`) never makes one.
 */
export async function ensureFirstAccount(prisma: PrismaClient, password?: string): Promise<FirstAccount> {
  const accounts = await prisma.user.count();
  if (accounts > 0) return { created: false, accounts };
  const generated = !password;
  const chosen = password ?? randomBytes(12).toString('base64url');
  try {
    await addUser(prisma, { name: FIRST_ACCOUNT, role: 'office', password: chosen }, 'duban up');
  } catch (err) {
    // another process made the first account at the same moment: that one stands
    if (await prisma.user.count()) return { created: false, accounts: 1 };
    throw err;
  }
  return { created: true, name: FIRST_ACCOUNT, password: chosen, generated };
}
