import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, type DbTemplate } from './template-db.ts';

// The real entry point (`npm start`) as a child process, for tests of start-up,
// shutdown and crashes.

const ROOT = new URL('../../', import.meta.url).pathname;
const START_TIMEOUT_MS = 120_000;

export type Server = { child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> };

/** Starts src/main.ts with exactly `env` (plus PATH and HOME) and resolves once it prints its URL. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: a cold start compiles TypeScript and migrates a new database, on a machine that may be busy.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, START_TIMEOUT_MS);
    const poll = setInterval(() => {
      const match = /serving GraphQL.* at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}


/**
 * Where a spawned server keeps its data, empty: a temporary DATA_DIR (PGlite),
 * and on the PostgreSQL run a new empty database the server must migrate
 * itself. `cleanup` removes both.
 */
export async function emptyServerDatabase(template: DbTemplate, label: string): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `dengon-${label}-`));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  let drop = async () => {};
  if (template.kind === 'postgres') {
    const name = `${template.prefix}${randomBytes(6).toString('hex')}`;
    await adminQuery(template.adminUrl, `CREATE DATABASE "${name}"`);
    env.DATABASE_URL = databaseUrl(template.adminUrl, name);
    drop = () => adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  return {
    env,
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await drop();
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
