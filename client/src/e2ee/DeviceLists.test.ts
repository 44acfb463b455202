import { describe, expect, it } from 'vitest';
import { removedBetween } from './DeviceLists';

describe('removedBetween (issue #20: a removal from a key holder’s list rotates the key)', () => {
  const at = (version: number, ...devices: string[]) => ({ version, devices });
  it('sees a removal, also of a device added and removed again between the two snapshots', () => {
    expect(removedBetween(at(1, 'a'), at(1, 'a'))).toBe(false);
    expect(removedBetween(at(1, 'a'), at(2, 'a', 'b'))).toBe(false); // b added
    expect(removedBetween(at(2, 'a', 'b'), at(3, 'a'))).toBe(true); // b removed
    expect(removedBetween(at(1, 'a'), at(3, 'a'))).toBe(true); // b added, then removed
    expect(removedBetween(at(1, 'a'), at(4, 'a', 'c'))).toBe(true); // b added and removed, c added
    expect(removedBetween(at(1, 'a'), at(3, 'a', 'b', 'c'))).toBe(false); // b and c added
  });
  it('an older snapshot after a newer one (a cached read) is not a removal', () => {
    expect(removedBetween(at(3, 'a', 'b'), at(2, 'a'))).toBe(false);
  });
});
