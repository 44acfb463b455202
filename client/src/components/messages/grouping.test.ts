import { describe, expect, it } from 'vitest';
import { startsDay, startsGroup } from './grouping';
import { dayLabel } from './messageTime';

const at = (d: number, h: number, m: number, s = 0) => new Date(2025, 2, d, h, m, s).getTime();

describe('message grouping (issue 12 item 3)', () => {
  it('continues a group for one sender within five minutes, on the same day, without replies', () => {
    const a = { sender: 'ann', ts: at(14, 10, 0) };
    expect(startsGroup(undefined, a)).toBe(true);
    expect(startsGroup(a, { sender: 'ann', ts: at(14, 10, 4, 59) })).toBe(false);
    expect(startsGroup(a, { sender: 'ann', ts: at(14, 10, 5) })).toBe(true);
    expect(startsGroup(a, { sender: 'bob', ts: at(14, 10, 1) })).toBe(true);
    expect(startsGroup(a, { sender: 'ann', ts: at(14, 10, 1), replyTo: { seq: 3 } })).toBe(true);
    // A later message (in seq order) that seems a little earlier is clocks disagreeing: one still
    // being sent carries this device's time, a moment behind the server's. It continues the group.
    expect(startsGroup(a, { sender: 'ann', ts: at(14, 9, 59, 50) })).toBe(false);
    // A skew of a minute or more does not glue it on.
    expect(startsGroup(a, { sender: 'ann', ts: at(14, 9, 59) })).toBe(true);
  });

  it('breaks groups and draws a separator at midnight, local time', () => {
    const late = { sender: 'ann', ts: at(14, 23, 59) };
    const early = { sender: 'ann', ts: at(15, 0, 1) };
    expect(startsDay(late, early)).toBe(true);
    expect(startsGroup(late, early)).toBe(true);
    expect(startsDay(undefined, late)).toBe(true);
    expect(startsDay(early, { sender: 'bob', ts: at(15, 8, 0) })).toBe(false);
  });

  it('labels days as Today, Yesterday, then the full date', () => {
    const now = at(14, 15, 30);
    expect(dayLabel(at(14, 1, 0), now, 'en-GB')).toBe('Today');
    expect(dayLabel(at(13, 23, 0), now, 'en-GB')).toBe('Yesterday');
    expect(dayLabel(at(10, 12, 0), now, 'en-GB')).toMatch(/^Monday,? 10 March 2025$/);
    expect(dayLabel(at(13, 23, 0), now, 'de')).toBe('Gestern');
  });
});
