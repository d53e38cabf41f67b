// The audit table's hash chain (migration 20261122080000_audit_append_only):
// every AuditEvent row carries its place in the chain, the previous row's hash
// and SHA-256 over that and its own content, all set by a database trigger.
// UPDATE, DELETE and TRUNCATE are refused by triggers; this check is for what
// the triggers cannot stop — someone allowed to switch them off (a superuser)
// editing or deleting rows. It names each broken link in Chinese.
import type { SqlRunner } from '../../prisma/migrate.ts';

export interface ChainBreak {
  /** the row's id, or null for a row missing from the chain */
  id: number | null;
  chainPos: number | null;
  /** what is wrong, in Chinese, naming the row */
  what: string;
}

export interface ChainResult {
  rows: number;
  /** the newest row's hash: write it down to notice a rewritten chain later */
  head: string | null;
  breaks: ChainBreak[];
}

interface Row {
  id: number;
  chainPos: number | null;
  prevHash: string | null;
  hash: string | null;
  recomputed: string;
  action: string;
  actor: string;
}

export async function verifyAuditChain(sql: SqlRunner): Promise<ChainResult> {
  const { rows } = await sql.query<Row>(
    `SELECT "id", "chainPos", "prevHash", "hash", "action", "actor",
       duban_audit_event_hash("prevHash", "id", "at", "actor", "action", "taskSetId", "workflowId", "details") AS "recomputed"
     FROM "AuditEvent" ORDER BY "chainPos" ASC NULLS LAST, "id" ASC`,
  );
  const breaks: ChainBreak[] = [];
  const name = (r: Row) => `操作记录 #${r.id}（${r.actor}，${r.action}）`;
  let prev: Row | undefined;
  for (const r of rows) {
    if (r.chainPos === null || r.hash === null) {
      breaks.push({ id: r.id, chainPos: null, what: `${name(r)}不在哈希链中：绕过触发器写入` });
      continue;
    }
    const expectedPos = (prev?.chainPos ?? 0) + 1;
    if (r.chainPos !== expectedPos) {
      const missing =
        r.chainPos - expectedPos === 1 ? `第 ${expectedPos} 条` : `第 ${expectedPos}–${r.chainPos - 1} 条`;
      breaks.push({
        id: null,
        chainPos: expectedPos,
        what: `操作记录${missing}被删除（${prev ? `#${prev.id} 之后` : '链首'}、${name(r)}之前）`,
      });
    } else if ((r.prevHash ?? null) !== (prev?.hash ?? null)) {
      breaks.push({
        id: r.id,
        chainPos: r.chainPos,
        what: `${prev ? name(prev) : '链首记录'}被改动或替换：${name(r)}记下的前一条哈希与之不符`,
      });
    }
    if (r.recomputed !== r.hash)
      breaks.push({ id: r.id, chainPos: r.chainPos, what: `${name(r)}的内容被改动（哈希不符）` });
    prev = r;
  }
  return { rows: rows.length, head: prev?.hash ?? null, breaks };
}
