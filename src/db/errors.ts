// Postgres SQLSTATEs surfaced through Prisma's driver adapters, which wrap
// them in different shapes depending on the adapter and operation.

function codes(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as Record<string, unknown>;
    for (const key of ['code', 'originalCode']) if (typeof e[key] === 'string') found.push(e[key] as string);
    const meta = e.meta as Record<string, unknown> | undefined;
    const driverError = meta?.driverAdapterError as Record<string, unknown> | undefined;
    current = driverError?.cause ?? e.cause;
  }
  return found;
}

/** Unique constraint: Prisma's P2002 or Postgres 23505. */
export function isUniqueViolation(error: unknown): boolean {
  return codes(error).some((c) => c === 'P2002' || c === '23505');
}

/** CHECK constraint: Postgres 23514 (Prisma has no code of its own for it). */
export function isCheckViolation(error: unknown): boolean {
  const found = codes(error);
  return found.includes('23514') || (error instanceof Error && /check constraint/i.test(error.message));
}
