/**
 * A binary min-heap of items ordered by their deadline, where every item knows its own position,
 * so that moving or removing one costs O(log n). The lock table keeps one entry per resource that
 * has a deadline instead of one timer per resource.
 */

/** An item of a `DeadlineHeap`; both fields belong to the heap. */
export interface HeapItem {
  /** Epoch milliseconds; meaningful only while the item is in the heap. */
  deadline: number;
  /** Position in the heap, -1 when absent. */
  heapIndex: number;
}

/** Items ordered by deadline, earliest first. */
export class DeadlineHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  /** The item with the earliest deadline. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Sets, moves or (with `undefined`) removes the deadline of `item`. */
  set(item: T, deadline: number | undefined): void {
    if (deadline === undefined) {
      if (item.heapIndex !== -1) this.#remove(item.heapIndex);
      return;
    }
    if (item.heapIndex === -1) {
      item.heapIndex = this.#items.length;
      this.#items.push(item);
    } else if (item.deadline === deadline) {
      return;
    }
    item.deadline = deadline;
    this.#siftDown(this.#siftUp(item.heapIndex));
  }

  #remove(index: number): void {
    const items = this.#items;
    const removed = items[index]!;
    const last = items.pop()!;
    removed.heapIndex = -1;
    if (last === removed) return;
    this.#put(last, index);
    this.#siftDown(this.#siftUp(index));
  }

  #put(item: T, index: number): void {
    this.#items[index] = item;
    item.heapIndex = index;
  }

  #siftUp(index: number): number {
    const items = this.#items;
    const item = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (parent.deadline <= item.deadline) break;
      this.#put(parent, index);
      index = parentIndex;
    }
    this.#put(item, index);
    return index;
  }

  #siftDown(index: number): void {
    const items = this.#items;
    const item = items[index]!;
    const length = items.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (right < length && items[right]!.deadline < items[child]!.deadline) child = right;
      if (items[child]!.deadline >= item.deadline) break;
      this.#put(items[child]!, index);
      index = child;
    }
    this.#put(item, index);
  }
}
