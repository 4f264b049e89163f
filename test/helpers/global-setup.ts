import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, openDatabase } from '../../src/db/client.ts';
import { migrateAll } from '../../src/migrator.ts';
import { databaseUrl } from './template-db.ts';

/** Migrates once per run; every test file then starts from the result. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const prefix = `dengon_test_${process.pid}_`;
    const template = `${prefix}template`;
    await adminQuery(adminUrl, `CREATE DATABASE "${template}"`);
    const db = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, template) });
    await migrateAll(db.driver);
    await db.close();
    project.provide('dbTemplate', { kind: 'postgres', adminUrl, template, prefix });
    return async () => {
      const rows = await adminQuery<{ datname: string }>(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%'`);
      for (const { datname } of rows) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    };
  }
  const pglite = await PGlite.create();
  await migrateAll(fromPglite(pglite).driver);
  const dump = await pglite.dumpDataDir('gzip');
  await pglite.close();
  const snapshotPath = path.join(os.tmpdir(), `dengon-test-${process.pid}.tar.gz`);
  fs.writeFileSync(snapshotPath, Buffer.from(await dump.arrayBuffer()));
  project.provide('dbTemplate', { kind: 'pglite', snapshotPath });
  return async () => fs.rmSync(snapshotPath, { force: true });
}

async function adminQuery<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
