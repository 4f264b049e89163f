import path from 'node:path';
import type { Config } from '../env.ts';
import { type Database, openDatabase } from './client.ts';
import { migrate } from './migrate.ts';

/** Opens the configured database (PostgreSQL with DATABASE_URL, else embedded PGlite) and migrates it. */
export async function openConfiguredDatabase(config: Config): Promise<{ db: Database; applied: string[]; where: string }> {
  const db = config.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : await openDatabase({ kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') });
  try {
    const applied = await migrate(db.driver);
    const where = config.databaseUrl ? `PostgreSQL ${new URL(config.databaseUrl).host}` : `embedded PGlite in ${config.dataDir}`;
    return { db, applied, where };
  } catch (error) {
    await db.close();
    throw error;
  }
}
