// Passwords of the desk's accounts: argon2id (memory-hard) through
// @node-rs/argon2, stored as the PHC string it returns (algorithm, cost and
// salt travel with the hash, so raising the cost later keeps old hashes valid).
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { BadInputError } from '../../../lib/errors.ts';

/** OWASP's argon2id minimum (19 MiB, 2 passes): a guess costs the attacker memory as well as time. */
// Algorithm.Argon2id: the package's enum is a `const enum`, which isolated modules cannot read
const ARGON2ID = 2 as Algorithm;
const COST = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

/** What is wrong with a new password, in Chinese, or nothing. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `密码至少 ${MIN_PASSWORD_LENGTH} 个字符`;
  if (password.length > 256) return '密码不能超过 256 个字符';
  if (/^\s|\s$/.test(password)) return '密码首尾不能是空格';
  return undefined;
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new BadInputError(problem);
  return hash(password, COST);
}

/** A hash of nothing anyone knows: an unknown name costs as much time as a wrong password. */
let decoy: Promise<string> | undefined;

/** True when the password matches; a malformed stored hash never matches. */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const target = storedHash ?? (await (decoy ??= hash('duban-decoy-password', COST)));
  try {
    const ok = await verify(target, password);
    return ok && storedHash !== null;
  } catch {
    return false;
  }
}
