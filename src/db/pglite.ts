import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/**
 * Opens an embedded PGlite database: a directory on disk, `memory://`, or a
 * dumped snapshot (tests start from a migrated snapshot instead of migrating).
 */
export async function openPglite(source: { dataDir: string } | { snapshot: Blob }): Promise<PGlite> {
  if ('dataDir' in source) {
    if (!source.dataDir.startsWith('memory://')) fs.mkdirSync(source.dataDir, { recursive: true });
    return PGlite.create(source.dataDir);
  }
  return PGlite.create({ loadDataDir: source.snapshot });
}

/**
 * Prisma's adapter over PGlite. Note: pglite-prisma-adapter 0.7.2 does not
 * await PGlite's ROLLBACK, but PGlite runs statements in order on its single
 * connection, so the ROLLBACK still precedes anything after it; the test
 * "a failed interactive transaction writes nothing" guards that.
 */
export function pgliteAdapterFactory(pglite: PGlite): PrismaPGlite {
  return new PrismaPGlite(pglite);
}
