/**
 * Incoming calls (issue #14 item 2): the DM calls ringing for this user now, from the hub's
 * `ring` frames. A call that rings while this tab is in another call is declined as busy at once;
 * one answered or declined on another of the user's devices, or ended, stops ringing here.
 */
import { createEffect, createSignal, onCleanup, type Accessor } from 'solid-js';
import type { Engine } from '../e2ee/Engine';
import { activeCall } from './activeCall';

export interface Ringing {
  channelId: string;
  from: string;
}

export function createRinging(engine: Accessor<Engine | undefined>, me: Accessor<string>) {
  const [ringing, setRinging] = createSignal<Ringing[]>([]);
  const stop = (channelId: string) => setRinging((list) => list.filter((r) => r.channelId !== channelId));
  createEffect(() => {
    const e = engine();
    if (!e) return;
    onCleanup(
      e.onHub((f) => {
        if (f.type !== 'ring') return;
        if (f.state !== 'ringing') return stop(f.channelId);
        if (f.from === me()) return;
        const current = activeCall()?.call;
        const inCall = !!current && ['joining', 'joined'].includes(current.state());
        if (inCall && current!.channelId === f.channelId) return;
        if (inCall && current!.state() === 'joined') {
          e.hub.send({ type: 'call-decline', channelId: f.channelId, reason: 'busy' });
          return;
        }
        setRinging((list) => [...list.filter((r) => r.channelId !== f.channelId), { channelId: f.channelId, from: f.from }]);
      }),
    );
  });
  return {
    ringing,
    /** Declines on every device of this user; the caller is told. */
    decline(channelId: string): void {
      engine()?.hub.send({ type: 'call-decline', channelId, reason: 'declined' });
      stop(channelId);
    },
    /** Stops ringing here (the call was answered on this device). */
    answered: stop,
  };
}
