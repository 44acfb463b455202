import { describe, expect, it } from 'vitest';
import { messageTimeFull, messageTimeLabel } from './messageTime';

// Local-time instants, so the day boundaries hold in any time zone the tests run in.
const now = new Date(2025, 2, 14, 15, 30, 0).getTime();
const at = (d: number, h: number, m: number) => new Date(2025, 2, d, h, m, 0).getTime();

describe('messageTimeLabel, relative', () => {
  const label = (ts: number, clock: '12h' | '24h' = '24h') => messageTimeLabel(ts, now, 'relative', clock, 'en-GB');

  it('says "just now" for the last minute, and for a sender clock slightly ahead', () => {
    expect(label(now - 20_000)).toBe('just now');
    expect(label(now + 5_000)).toBe('just now');
  });

  it('counts minutes for the last hour', () => {
    expect(label(now - 5 * 60_000)).toBe('5 minutes ago');
    expect(label(now - 59 * 60_000 - 59_000)).toBe('59 minutes ago');
  });

  it('names today and yesterday with the time, per the clock setting', () => {
    expect(label(at(14, 9, 3))).toBe('today 09:03');
    expect(label(at(13, 14, 3))).toBe('yesterday 14:03');
    expect(label(at(13, 14, 3), '12h')).toMatch(/^yesterday 2:03\s?pm$/i);
  });

  it('names the weekday within the week and the date after it', () => {
    expect(label(at(10, 8, 0))).toBe('Mon 08:00');
    expect(label(at(1, 8, 0))).toBe('1 Mar 2025, 08:00');
  });
});

describe('messageTimeLabel, absolute', () => {
  it('shows the time today and the date with the time before', () => {
    expect(messageTimeLabel(now - 5 * 60_000, now, 'absolute', '24h', 'en-GB')).toBe('15:25');
    expect(messageTimeLabel(at(13, 14, 3), now, 'absolute', '24h', 'en-GB')).toBe('13 Mar 2025, 14:03');
  });
});

describe('messageTimeFull', () => {
  it('spells out the date and follows the clock setting', () => {
    expect(messageTimeFull(at(13, 14, 3), '24h', 'en-GB')).toMatch(/^Thursday,? 13 March 2025 at 14:03:00$/);
    expect(messageTimeFull(at(13, 14, 3), '12h', 'en-GB')).toMatch(/2:03:00\s?pm/i);
  });
});
