// Messages between run.ts and a server child over the IPC channel. IPC rather
// than HTTP, so probing a server never adds a branch to the path being measured.

export type ToServer =
  /** Start (on) or stop (off) recording SQL texts; stopping replies with them. */
  | { id: number; type: 'trace'; on: boolean }
  /**
   * Counters since start: SQL statements sent, resident memory. `settle`: a
   * full GC first (servers started with --expose-gc), so a memory reading
   * holds what is live rather than how far the heap last grew.
   */
  | { id: number; type: 'stats'; settle?: boolean };

export type Reply = { id: number; type: 'reply'; statements?: string[]; sqlCount?: number; rssBytes?: number; /** user + system CPU since start. */ cpuMicros?: number; /** V8 heap in use plus external memory (after a GC when settled). */ liveBytes?: number };

export type FromServer = { type: 'listening'; port: number } | Reply;
