import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, openDatabase } from '../../src/db/client.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { migrateAll } from '../../src/migrator.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { databaseUrl } from '../helpers/template-db.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('transactions', () => {
  test('a failed interactive transaction writes nothing', async () => {
    const before = await app.db.prisma.user.count();
    await expect(
      app.db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { email: 'rollback@example.test', displayName: 'R', passwordHash: 'x', createdAt: new Date() } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await app.db.prisma.user.count()).toBe(before);
    // …and the connection is usable afterwards.
    await app.db.prisma.user.create({ data: { email: 'after@example.test', displayName: 'A', passwordHash: 'x', createdAt: new Date() } });
    expect(await app.db.prisma.user.count()).toBe(before + 1);
  });
});

describe('migrations', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dengon-migrations-'));
    fs.cpSync(fileURLToPathOf('../../prisma/migrations'), dir, { recursive: true });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('are applied once, recorded, and skipped on the next start', async () => {
    const pglite = await PGlite.create();
    const db = fromPglite(pglite);
    expect(await migrate(db.driver, dir)).toEqual(readMigrations(dir).map((m) => m.name));
    expect(await migrate(db.driver, dir)).toEqual([]);
    const recorded = await db.driver.query<{ name: string }>('SELECT name FROM "_dengon_migrations"');
    expect(recorded.map((r) => r.name)).toEqual(readMigrations(dir).map((m) => m.name));
    await db.close();
  });

  // With the job queue's schema too: concurrent pg-boss installs deadlock unless serialised.
  test('two instances starting at once both come up, each migration applied once', async () => {
    const template = inject('dbTemplate');
    if (template.kind === 'postgres') {
      const name = `${template.prefix}${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: template.adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = databaseUrl(template.adminUrl, name);
      const [a, b] = [await openDatabase({ kind: 'postgres', url }), await openDatabase({ kind: 'postgres', url })];
      try {
        const [ranA, ranB] = await Promise.all([migrateAll(a.driver, dir), migrateAll(b.driver, dir)]);
        expect([...ranA, ...ranB].sort()).toEqual(readMigrations(dir).map((m) => m.name));
      } finally {
        await a.close();
        await b.close();
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
        await admin.end();
      }
    } else {
      const db = fromPglite(await PGlite.create());
      const [ranA, ranB] = await Promise.all([migrateAll(db.driver, dir), migrateAll(db.driver, dir)]);
      expect([...ranA, ...ranB].sort()).toEqual(readMigrations(dir).map((m) => m.name));
      await db.close();
    }
  });

  test('a failing migration leaves nothing behind and is not recorded', async () => {
    const pglite = await PGlite.create();
    const db = fromPglite(pglite);
    await migrate(db.driver, dir);
    const bad = path.join(dir, '29990101000000_bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'migration.sql'), 'CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";');
    try {
      await expect(migrate(db.driver, dir)).rejects.toThrow(/NoSuchTable/);
      expect(await db.driver.query(`SELECT to_regclass('"Half"') AS t`)).toEqual([{ t: null }]);
      expect(await db.driver.query(`SELECT name FROM "_dengon_migrations" WHERE name = '29990101000000_bad'`)).toEqual([]);
    } finally {
      fs.rmSync(bad, { recursive: true });
      await db.close();
    }
  });

  test('a migration edited after it was applied stops start-up', async () => {
    const pglite = await PGlite.create();
    const db = fromPglite(pglite);
    await migrate(db.driver, dir);
    const first = readMigrations(dir)[0]!;
    const file = path.join(dir, first.name, 'migration.sql');
    const original = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '\n-- edited\n');
    try {
      await expect(migrate(db.driver, dir)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      fs.writeFileSync(file, original);
      await db.close();
    }
  });
});

function fileURLToPathOf(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}
