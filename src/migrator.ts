import type { SqlDriver } from './db/client.ts';
import { MIGRATIONS_DIR, migrate } from './db/migrate.ts';
import { installJobQueue } from './jobs/queue.ts';

/**
 * Everything a database needs before an app runs on it: Dengon's migrations,
 * then the job queue's own schema (pg-boss, versioned by pg-boss), so a
 * migrated database (and every test snapshot) is ready to schedule sends.
 * Returns the migrations applied now.
 */
export async function migrateAll(driver: SqlDriver, dir = MIGRATIONS_DIR): Promise<string[]> {
  const applied = await migrate(driver, dir);
  await installJobQueue(driver);
  return applied;
}
