import path from 'node:path';
import type { Config } from '../env.ts';
import type { DatabaseSource } from './client.ts';

/** The configured database: PostgreSQL with DATABASE_URL, else embedded PGlite under DATA_DIR; `where` says which, for the log. */
export function configuredDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): { source: DatabaseSource; where: string } {
  return config.databaseUrl
    ? { source: { kind: 'postgres', url: config.databaseUrl }, where: `PostgreSQL ${new URL(config.databaseUrl).host}` }
    : { source: { kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') }, where: `embedded PGlite in ${config.dataDir}` };
}
