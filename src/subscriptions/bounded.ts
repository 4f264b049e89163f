/**
 * Reads `source` eagerly into a queue of at most `limit` items, so a slow
 * reader costs bounded memory and never back-pressures the publisher (the
 * pub/sub repeater would otherwise throw inside the publishing call once a
 * thousand events piled up). Past the limit the source is closed and the
 * reader gets `overflow()` as an error after what was queued.
 */
export function bounded<T>(source: AsyncIterator<T>, limit: number, overflow: () => Error): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let failure: unknown = null;
  let done = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };

  const pump = (async () => {
    try {
      for (;;) {
        const next = await source.next();
        if (done) return;
        if (next.done) break;
        if (queue.length >= limit) {
          failure = overflow();
          break;
        }
        queue.push(next.value);
        notify();
      }
    } catch (error) {
      failure ??= error;
    }
    if (!done) await source.return?.();
    done = true;
    notify();
  })();

  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        if (queue.length > 0) return { done: false, value: queue.shift()! };
        if (failure) {
          const error = failure;
          failure = null;
          throw error;
        }
        if (done) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      if (!done) {
        done = true;
        queue.length = 0;
        await source.return?.();
        notify();
      }
      void pump;
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
