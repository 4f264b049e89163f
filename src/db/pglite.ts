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

type AdapterTransaction = {
  client: { rollback(): Promise<void> };
  txDeferred: { resolve(): void };
  txResultPromise: Promise<unknown>;
  rollback(): Promise<unknown>;
};

/**
 * pglite-prisma-adapter 0.7.2 fires PGlite's ROLLBACK without awaiting it, so
 * the transaction callback can finish (and COMMIT) first: a failed Prisma
 * transaction could be half-written. We wrap the adapter so rollback waits.
 * Proven by test/integration/db.test.ts ("a failed transaction writes nothing").
 */
export function pgliteAdapterFactory(pglite: PGlite): PrismaPGlite {
  const factory = new PrismaPGlite(pglite);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = (await start(isolationLevel)) as unknown as AdapterTransaction;
      tx.rollback = async () => {
        await tx.client.rollback();
        tx.txDeferred.resolve();
        return tx.txResultPromise;
      };
      return tx as never;
    };
    return adapter;
  };
  return factory;
}
