import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriver } from './client.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** Advisory lock id that serialises migrations across instances. */
const LOCK_KEY = 727274;

type Migration = { name: string; sql: string; checksum: string };

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies committed migrations that are not yet recorded, each in its own
 * transaction together with its record, so a failure leaves nothing behind.
 * A recorded migration whose file changed afterwards stops start-up: silently
 * running on a schema that differs from the files would lose data later.
 * Only Dengon's own files: the job queue's schema is the job queue's to
 * install (src/migrator.ts runs both).
 */
export async function migrate(driver: SqlDriver, dir = MIGRATIONS_DIR): Promise<string[]> {
  await driver.transaction(async (tx) => {
    // Two instances creating the table at once would collide in pg_type.
    await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS "_dengon_migrations" (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied = new Map(
    (await driver.query<{ name: string; checksum: string }>('SELECT name, checksum FROM "_dengon_migrations"')).map(
      (row) => [row.name, row.checksum],
    ),
  );
  const done: string[] = [];
  for (const migration of readMigrations(dir)) {
    const recorded = applied.get(migration.name);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new Error(`Migration ${migration.name} was changed after it was applied; restore the file or add a new migration.`);
      }
      continue;
    }
    const ran = await driver.transaction(async (tx) => {
      // Serialises instances starting at once on PostgreSQL (harmless on
      // PGlite); the one that waited then finds the migration recorded.
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      const [raced] = await tx.query('SELECT 1 FROM "_dengon_migrations" WHERE name = $1', [migration.name]);
      if (raced) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO "_dengon_migrations" (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
      return true;
    });
    if (!ran) continue;
    done.push(migration.name);
  }
  return done;
}
