import { describe, expect, it } from 'vitest';
import { taskSlot } from './taskSlot';

/** Starts `n` requests in one task; resolves with the order they were let through and how many went at once. */
async function burst(n: number): Promise<{ order: number[]; immediate: number }> {
  const order: number[] = [];
  let immediate = 0;
  const all: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const slot = taskSlot();
    if (!slot) {
      immediate++;
      order.push(i);
    } else all.push(slot.then(() => void order.push(i)));
  }
  await Promise.all(all);
  return { order, immediate };
}

describe('taskSlot', () => {
  it('lets two requests of a task through at once and the rest in later tasks, in order', async () => {
    expect(await burst(7)).toEqual({ order: [0, 1, 2, 3, 4, 5, 6], immediate: 2 });
    // A later burst, once the queue has drained and a task has passed, starts at once again. In
    // Node the next task is a MessagePort message, which a timer of 0 ms can overtake on a loaded
    // machine (a CI run: 1 at once, the reset still queued), so this waits for that state.
    await expect.poll(async () => (await burst(3)).immediate, { timeout: 10_000 }).toBe(2);
  });

});
