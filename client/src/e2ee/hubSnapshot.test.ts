/** A listener that subscribes after a hub connection's opening frames still gets them, once, in order. */
import { describe, expect, it } from 'vitest';
import type { HubServerFrame } from '../../../protocol/hub';
import { HubSnapshot } from './hubSnapshot';

const unread = (channelId: string, unread: number): HubServerFrame => ({ type: 'unread', channelId, head: unread, readSeq: 0, unread, mentions: 0 });
const ready = { type: 'ready', userId: 'u', deviceId: 'd', settings: { readReceipts: true } } as HubServerFrame;

describe('HubSnapshot', () => {
  it('keeps the frames up to and including ready, and nothing after', () => {
    const s = new HubSnapshot();
    s.begin();
    for (const f of [unread('a', 1), unread('b', 0), ready, unread('a', 2), { type: 'typing', channelId: 'a', userId: 'x' } as HubServerFrame]) s.record(f);
    expect(s.missed()).toEqual([unread('a', 1), unread('b', 0), ready]);
  });

  it('holds a snapshot still arriving, and starts again with each connection', () => {
    const s = new HubSnapshot();
    expect(s.missed()).toEqual([]);
    s.begin();
    s.record(unread('a', 1));
    expect(s.missed()).toEqual([unread('a', 1)]);
    s.record(ready);
    s.begin();
    expect(s.missed()).toEqual([]);
    s.record(unread('c', 3));
    s.record(ready);
    expect(s.missed()).toEqual([unread('c', 3), ready]);
  });
});

describe('HubSnapshot: calls ringing', () => {
  const ring = (channelId: string, state: 'ringing' | 'answered' | 'declined' | 'ended'): HubServerFrame => ({ type: 'ring', channelId, from: 'caller', state });

  it('hands a late listener the calls still ringing, after the snapshot, and not those that stopped or are a minute old', () => {
    let now = 1_000_000;
    const s = new HubSnapshot(() => now);
    s.begin();
    s.record(unread('a', 1));
    s.record(ready);
    s.record(ring('dm1', 'ringing'));
    s.record(ring('dm2', 'ringing'));
    s.record(ring('dm2', 'declined'));
    expect(s.missed()).toEqual([unread('a', 1), ready, ring('dm1', 'ringing')]);
    now += 60_000;
    expect(s.missed()).toEqual([unread('a', 1), ready]);
  });

  it('forgets the rings with the connection (the hub rings again on the next)', () => {
    const s = new HubSnapshot();
    s.begin();
    s.record(ready);
    s.record(ring('dm1', 'ringing'));
    s.begin();
    expect(s.missed()).toEqual([]);
  });
});
