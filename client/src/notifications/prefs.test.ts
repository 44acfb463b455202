import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_PREFS, levelOf, shouldNotify, type NotificationPrefs } from './prefs';

const prefs = (p: Partial<NotificationPrefs>): NotificationPrefs => ({ ...DEFAULT_NOTIFICATION_PREFS, enabled: true, ...p });

describe('desktop notification rules (issue #17 item 1)', () => {
  it('a conversation follows its own level, else its community, else the default', () => {
    const p = prefs({ defaultLevel: 'all', communities: { c1: 'mentions' }, conversations: { ch2: 'none' } });
    expect(levelOf(p, 'dm', null)).toBe('all');
    expect(levelOf(p, 'ch1', 'c1')).toBe('mentions');
    expect(levelOf(p, 'ch2', 'c1')).toBe('none');
    expect(levelOf(p, 'ch3', 'c2')).toBe('all');
  });

  it('mentions only lets a mention through; nothing lets nothing through', () => {
    const p = prefs({ conversations: { a: 'mentions', b: 'none' } });
    expect(shouldNotify(p, 'a', null, false, 0)).toBe(false);
    expect(shouldNotify(p, 'a', null, true, 0)).toBe(true);
    expect(shouldNotify(p, 'b', null, true, 0)).toBe(false);
    expect(shouldNotify(p, 'c', null, false, 0)).toBe(true);
  });

  it('off, do not disturb and a mute that has not ended silence everything; an ended mute does not', () => {
    expect(shouldNotify(prefs({ enabled: false }), 'a', null, true, 0)).toBe(false);
    expect(shouldNotify(prefs({ dnd: true }), 'a', null, true, 0)).toBe(false);
    const muted = prefs({ mutedUntil: { a: 1_000 } });
    expect(shouldNotify(muted, 'a', null, true, 999)).toBe(false);
    expect(shouldNotify(muted, 'a', null, true, 1_000)).toBe(true);
    expect(shouldNotify(muted, 'b', null, false, 0)).toBe(true);
  });
});
