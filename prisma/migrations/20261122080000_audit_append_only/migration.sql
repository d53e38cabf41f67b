-- The audit trail is append-only in the database itself, not only in code.
--
-- 1. Every row is chained: "chainPos" numbers the rows in the order they were
--    chained (under a transaction-scoped advisory lock, so two writers never
--    take the same place), "prevHash" is the previous row's "hash", and "hash"
--    is SHA-256 over prevHash and the row's own content. An edit made by
--    someone who can bypass the triggers below (a superuser disabling them)
--    breaks the chain at that row, and `duban audit verify` names it.
-- 2. UPDATE, DELETE and TRUNCATE are refused by triggers.
-- Plain PL/pgSQL and the built-in sha256(): the same on PostgreSQL and PGlite.

ALTER TABLE "AuditEvent" ADD COLUMN "chainPos" INTEGER;
ALTER TABLE "AuditEvent" ADD COLUMN "prevHash" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "hash" TEXT;

-- What a row's hash covers. The text forms are fixed (no DateStyle or
-- TimeZone dependence; jsonb prints one canonical text).
CREATE FUNCTION duban_audit_event_hash(prev TEXT, id INTEGER, at TIMESTAMP(3), actor TEXT, action TEXT,
    task_set_id TEXT, workflow_id TEXT, details JSONB) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    coalesce(prev, '') || E'\n' || id::text || E'\n' || to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') || E'\n' ||
    actor || E'\n' || action || E'\n' || coalesce(task_set_id, E'\\N') || E'\n' ||
    coalesce(workflow_id, E'\\N') || E'\n' || details::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION duban_audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last RECORD;
BEGIN
  -- one writer at a time takes the next place in the chain (released at commit)
  PERFORM pg_advisory_xact_lock(72707370);
  SELECT "chainPos", "hash" INTO last FROM "AuditEvent"
    WHERE "chainPos" IS NOT NULL ORDER BY "chainPos" DESC LIMIT 1;
  NEW."chainPos" := coalesce(last."chainPos", 0) + 1;
  NEW."prevHash" := last."hash";
  NEW."hash" := duban_audit_event_hash(NEW."prevHash", NEW."id", NEW."at", NEW."actor", NEW."action",
    NEW."taskSetId", NEW."workflowId", NEW."details");
  RETURN NEW;
END
$$;

CREATE FUNCTION duban_audit_event_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AuditEvent is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = '操作记录只能追加，不能修改或删除';
END
$$;

-- Rows written before this migration join the chain in id order.
DO $$
DECLARE
  r RECORD;
  prev TEXT := NULL;
  pos INTEGER := 0;
BEGIN
  FOR r IN SELECT * FROM "AuditEvent" ORDER BY "id" LOOP
    pos := pos + 1;
    UPDATE "AuditEvent" SET "chainPos" = pos, "prevHash" = prev,
      "hash" = duban_audit_event_hash(prev, r."id", r."at", r."actor", r."action", r."taskSetId",
        r."workflowId", r."details")
      WHERE "id" = r."id" RETURNING "hash" INTO prev;
  END LOOP;
END
$$;

CREATE UNIQUE INDEX "AuditEvent_chainPos_key" ON "AuditEvent"("chainPos");

CREATE TRIGGER "AuditEvent_chain" BEFORE INSERT ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION duban_audit_event_chain();
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION duban_audit_event_refuse();
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION duban_audit_event_refuse();
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION duban_audit_event_refuse();
