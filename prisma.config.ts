// Prisma CLI configuration. Migrations are created against an embedded PGlite
// (Postgres in WASM) through the WASM schema engine, so no native engine and no
// running database are needed; the same migration files are applied to
// PostgreSQL by prisma/migrate.ts (prisma migrate deploy through
// @prisma/adapter-pg fails: prisma/orm#27403).
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { defineConfig } from 'prisma/config';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const dir = path.join('.duban', 'prisma-dev');
    mkdirSync(dir, { recursive: true });
    // typed against driver-adapter-utils 6.10; same protocol as 6.19 (see lib/db.ts)
    return new PrismaPGlite(new PGlite(dir)) as unknown as SqlMigrationAwareDriverAdapterFactory;
  },
});
