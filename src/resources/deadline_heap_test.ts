import assert from "node:assert/strict";
import { DeadlineHeap, type HeapItem } from "./deadline_heap.ts";

Deno.test("DeadlineHeap.peek() returns the earliest item through moves and removals", {
  permissions: "none",
}, () => {
  const heap = new DeadlineHeap<HeapItem>();
  const items: HeapItem[] = Array.from({ length: 200 }, () => ({ deadline: 0, heapIndex: -1 }));
  const deadlines = new Map<HeapItem, number>();
  // A fixed pseudo-random walk (LCG), so that a failure can be replayed.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let step = 0; step < 5000; step++) {
    const item = items[Math.floor(random() * items.length)]!;
    if (random() < 0.3) {
      heap.set(item, undefined);
      deadlines.delete(item);
    } else {
      const deadline = Math.floor(random() * 1000);
      heap.set(item, deadline);
      deadlines.set(item, deadline);
    }
    const earliest = Math.min(...deadlines.values());
    assert.equal(heap.peek()?.deadline, deadlines.size === 0 ? undefined : earliest);
  }
  for (const item of items) assert.equal(item.heapIndex === -1, !deadlines.has(item));
});
