// `npm run db:migration -- <name>`: stands in for `prisma migrate dev
// --create-only`, which needs the native schema engine (not downloadable
// offline). Writes the SQL that brings the committed migrations up to
// schema.prisma; review and hand-edit it (e.g. CHECK constraints) before
// committing.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffMigrationsToSchema } from '../src/db/schema-diff.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const migrationsDir = join(repoRoot, 'prisma', 'migrations');
const schemaPath = join(repoRoot, 'prisma', 'schema.prisma');

/** YYYYMMDDHHMMSS in UTC, so folder names sort in creation order on every machine. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (argv.length !== 1 || name === undefined || !/^[a-z0-9_]+$/.test(name)) {
    console.error('Usage: npm run db:migration -- <name>   (name: lowercase letters, digits, underscores)');
    return 1;
  }

  const sql = await diffMigrationsToSchema({ migrationsDir, schemaPath });
  if (sql.trim() === '') {
    console.log('No changes: schema.prisma matches the migrations.');
    return 0;
  }

  const dir = join(migrationsDir, `${timestamp(new Date())}_${name}`);
  // Exclusive create: never overwrite a migration made in the same second.
  await mkdir(dir, { recursive: false }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(migrationsDir, { recursive: true });
    await mkdir(dir);
  });
  const file = join(dir, 'migration.sql');
  await writeFile(file, sql, { flag: 'wx' });
  console.log(`Created ${relative(process.cwd(), file) || file}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`db:migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
