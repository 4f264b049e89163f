// R-EGRESS-1 as an architectural test: no code outside the egress gate
// (src/modules/egress/) writes an outgoing message. It reads the source
// rather than trusting a comment, so a new way out that skips the gate fails
// here before it can leak.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'plugins'];
const GATE = 'src/modules/egress/';
const SKIPPED = ['src/generated/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

/** The text of a call's arguments, from the opening parenthesis to its match. */
function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

/** The SQL template literal around a position. */
function templateAround(text: string, at: number): string {
  const start = text.lastIndexOf('`', at);
  const end = text.indexOf('`', at);
  return text.slice(start, end < 0 ? undefined : end + 1);
}

const saysIncomingOnly = (statement: string) => /'INCOMING'/.test(statement) && !/OUTGOING/.test(statement);

/**
 * Every place in `text` that writes a Message row and does not say, in the
 * statement itself, that the row is INCOMING: raw INSERT/COPY, Prisma's
 * create/createMany/upsert, nested `messages: { create }`, and updates that
 * set a direction.
 */
export function messageWrites(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(INSERT\s+INTO|COPY)\s+"?Message"?[\s(]/gi)) {
    const statement = templateAround(text, m.index);
    if (!saysIncomingOnly(statement)) found.push(statement.slice(0, 120));
  }
  for (const m of text.matchAll(/\.message\s*\.\s*(create|createMany|createManyAndReturn|upsert)\s*\(/g)) {
    const args = balanced(text, m.index + m[0].length - 1);
    if (!saysIncomingOnly(args)) found.push(`message.${m[1]}${args.slice(0, 100)}`);
  }
  for (const m of text.matchAll(/\bmessages\s*:\s*\{\s*(create|createMany|connectOrCreate|upsert)\b/g)) found.push(m[0]);
  for (const m of text.matchAll(/\.message\s*\.\s*(update|updateMany|updateManyAndReturn)\s*\(/g)) {
    const args = balanced(text, m.index + m[0].length - 1);
    if (/data\s*:\s*\{[^}]*\bdirection\b/.test(args)) found.push(`message.${m[1]} setting a direction`);
  }
  return found;
}

describe('R-EGRESS-1: only the egress gate writes outgoing messages', () => {
  test('no file outside src/modules/egress/ writes a Message that is not INCOMING', () => {
    const offenders: Record<string, string[]> = {};
    for (const file of SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)))) {
      const path = relative(ROOT, file).split('\\').join('/');
      if (path.startsWith(GATE) || SKIPPED.some((s) => path.startsWith(s))) continue;
      const writes = messageWrites(readFileSync(file, 'utf8'));
      if (writes.length) offenders[path] = writes;
    }
    expect(offenders).toEqual({});
  });

  test('the gate is where the writes are: its statements are found by the same scan', () => {
    const inGate = sourceFiles(join(ROOT, GATE)).flatMap((file) => messageWrites(readFileSync(file, 'utf8')));
    // Chat replies, test sends and delivery batches: if the scan stopped finding them, the test above would prove nothing.
    expect(inGate.length).toBeGreaterThanOrEqual(3);
  });

  test.each([
    ['a raw INSERT', 'await tx.$executeRaw`INSERT INTO "Message" ("accountId", direction) VALUES (${a}, \'OUTGOING\')`;'],
    ['a raw INSERT with the direction as a parameter', 'await tx.$executeRaw`INSERT INTO "Message" (direction) SELECT ${dir}`;'],
    ['an unquoted INSERT', "await tx.$executeRawUnsafe(`insert into Message (direction) values ('OUTGOING')`);"],
    ['Prisma create', "await tx.message.create({ data: { direction: 'OUTGOING', kind: 'CHAT' } });"],
    ['Prisma create without a literal direction', 'await tx.message.create({ data: { direction, kind } });'],
    ['Prisma createMany', "await deps.tx.message.createMany({ data: rows.map((r) => ({ ...r, direction: 'OUTGOING' })) });"],
    ['a nested create', "await tx.chat.update({ where: { id }, data: { messages: { create: { direction: 'OUTGOING' } } } });"],
    ['an update that turns a message outgoing', "await tx.message.updateMany({ where: { id }, data: { direction: 'OUTGOING' } });"],
  ])('the scan catches %s', (_name, code) => {
    expect(messageWrites(code)).not.toEqual([]);
  });

  test('the scan lets friend messages and reads through', () => {
    const incoming = "await tx.message.create({ data: { accountId, chatId, direction: 'INCOMING', kind: 'CHAT' } });";
    const read = "await tx.message.updateMany({ where: { chatId, direction: 'OUTGOING', readByFriendAt: null }, data: { readByFriendAt: now } });";
    expect(messageWrites(incoming + read)).toEqual([]);
  });
});
