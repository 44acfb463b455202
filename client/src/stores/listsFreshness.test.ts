import { describe, expect, it } from 'vitest';
import { LISTS_CHANGE_MARGIN_MS, listsMayHaveMissedChanges } from './listsFreshness';

describe('lists read again after the hub connects (issue 12 item 5)', () => {
  it('12.5: a change younger than the reads, or within the clocks margin of them, is read again', () => {
    expect(listsMayHaveMissedChanges(200, 800)).toBe(true);
    expect(listsMayHaveMissedChanges(800 + LISTS_CHANGE_MARGIN_MS, 800)).toBe(true);
  });
  it('12.5: a change older than the reads (they already hold it), or none ever, is not', () => {
    expect(listsMayHaveMissedChanges(800 + LISTS_CHANGE_MARGIN_MS + 1, 800)).toBe(false);
    expect(listsMayHaveMissedChanges(3_600_000, 800)).toBe(false);
    expect(listsMayHaveMissedChanges(null, 800)).toBe(false);
  });
  it('12.5: a server that does not say is read again', () => {
    expect(listsMayHaveMissedChanges(undefined, 800)).toBe(true);
  });
});
