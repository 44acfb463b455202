/**
 * Ordered grouping under a count and a byte bound: the client's deliver-many frames and imported
 * history batches, and the room's `envelopes` frames (issue #18), all use it.
 */

/**
 * Packs `items` into consecutive groups, in order, each of at most `maxItems` items and, unless
 * one item alone is larger, `maxBytes` by `sizeOf` (its JSON length and a separator by default).
 */
export function pack<T>(items: T[], maxItems: number, maxBytes: number, sizeOf: (item: T) => number = (item) => JSON.stringify(item).length + 1): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (group.length > 0 && (group.length >= maxItems || bytes + size > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
