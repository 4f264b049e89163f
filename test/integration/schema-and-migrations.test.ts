import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../../src/graphql/print-schema.ts';
import { diffMigrationsToSchema } from '../../src/db/schema-diff.ts';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';

test('schema.graphql is freshly printed from the Pothos schema (run npm run schema:print)', () => {
  expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
});

test('committed migrations produce exactly schema.prisma (run npm run db:migration -- <name>)', async () => {
  const drift = await diffMigrationsToSchema({
    migrationsDir: MIGRATIONS_DIR,
    schemaPath: fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)),
  });
  expect(drift).toBe('');
});
