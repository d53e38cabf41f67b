// Bounded concurrency without a library: `lanes` workers take the next item
// until none are left. Used where many independent calls go to Temporal or
// the database (starting a set, delivering a day's replies, intake).

/** Runs fn over every item, at most `lanes` at a time; rejects on the first failure. */
export async function inParallel<T>(
  items: readonly T[],
  lanes: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, lanes), items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
