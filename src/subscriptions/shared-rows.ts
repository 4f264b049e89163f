import { type AppAbility, can, type SubjectName } from '../auth/ability.ts';

/**
 * Rows that subscribers' fields load for one event, loaded once per process
 * and shared by every subscriber that receives that event. An event reaching
 * a hundred dashboards would otherwise cost a hundred identical queries per
 * field. Entries are keyed by the event, so each event still shows the row
 * as it was when the event was delivered (a later recall has its own event),
 * and live only a few seconds.
 */
export class SharedRows {
  readonly #entries = new Map<string, { at: number; row: Promise<unknown> }>();

  constructor(
    private readonly ttlMs = 10_000,
    // Monotonic process time: this is a cache lifetime, not domain time.
    private readonly now: () => number = () => performance.now(),
  ) {}

  load<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const now = this.now();
    this.#expire(now);
    const hit = this.#entries.get(key);
    if (hit) return hit.row as Promise<T>;
    const row = fetch();
    this.#entries.set(key, { at: now, row });
    // A failed load is not shared: the next subscriber tries again.
    row.catch(() => {
      if (this.#entries.get(key)?.row === row) this.#entries.delete(key);
    });
    return row;
  }

  get size(): number {
    return this.#entries.size;
  }

  #expire(now: number): void {
    // Insertion order is age order: stop at the first young entry.
    for (const [key, entry] of this.#entries) {
      if (now - entry.at < this.ttlMs) return;
      this.#entries.delete(key);
    }
  }
}

/** The columns each subject's read rules test (src/auth/ability.ts), so a shared row can be authorized in memory. */
const RULE_COLUMNS = {
  Chat: ['id', 'accountId', 'friendId'],
  Message: ['id', 'accountId', 'chatId', 'hiddenForAccountAt'],
  Delivery: ['id', 'accountId', 'authorUserId'],
} as const satisfies Partial<Record<SubjectName, readonly string[]>>;
type SharedSubject = keyof typeof RULE_COLUMNS;

/** What Pothos' prisma plugin hands a prismaField resolver: a select or an include. */
type PrismaQuery = { select?: Record<string, unknown>; include?: Record<string, unknown> };

/** The same query, sure to carry the columns the rules test (include mode has every scalar already). */
function withRuleColumns(subject: SharedSubject, query: PrismaQuery): PrismaQuery {
  if (!query.select) return query;
  const select = { ...query.select };
  for (const column of RULE_COLUMNS[subject]) select[column] ??= true;
  return { ...query, select };
}

/**
 * The row `id` of `subject` for a field of event `eventId`: loaded once per
 * process for every subscriber asking the same selection, then checked
 * against this subscriber's ability in memory (the same rule the SQL filter
 * `accessibleWhere` would apply). Null when missing or not readable.
 */
export async function sharedEventRow<S extends SharedSubject, Row extends object>(
  // Only what it reads of the GraphQL context (src/context.ts), which names this module's types.
  ctx: { deps: { subscriptions: { rows: SharedRows } }; ability: AppAbility },
  eventId: string,
  subject: S,
  id: string,
  query: PrismaQuery,
  fetch: (query: PrismaQuery & { where: { id: string } }) => Promise<Row | null>,
): Promise<Row | null> {
  const full = withRuleColumns(subject, query);
  const key = `${eventId}\u0000${subject}\u0000${id}\u0000${JSON.stringify(full)}`;
  const row = await ctx.deps.subscriptions.rows.load(key, () => fetch({ ...full, where: { id } }));
  if (!row || !can(ctx.ability, 'read', subject, row as never)) return null;
  return row;
}
