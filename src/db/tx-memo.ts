// A step may read the same rows more than once: a delivery's approval
// requirement and then its plugins' context need the author's role; the
// policies and then the veto hooks need the account's installations. Inside
// one transaction those rows do not change under the step, so each is read
// once per transaction, keyed by the transaction client (new for every
// transaction, so nothing outlives it). The process-wide client is not a
// transaction: on it every read goes to the database, or a query field
// would keep answering from a memo that never expires.
const memos = new WeakMap<object, Map<string, Promise<unknown>>>();
const rootClients = new WeakSet<object>();

/** Marks the process-wide client (src/db/client.ts): never memoized on. */
export function registerRootClient(client: object): void {
  rootClients.add(client);
}

// `tx` only as a key: any transaction client (src/db/client.ts Tx), or the root client.
export function onceInTransaction<T>(tx: object, key: string, load: () => Promise<T>): Promise<T> {
  if (rootClients.has(tx)) return load();
  let memo = memos.get(tx);
  if (!memo) memos.set(tx, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) memo.set(key, (value = load()));
  return value;
}
