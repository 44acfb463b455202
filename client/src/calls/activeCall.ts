/**
 * The one call this tab is in, if any (issue #14): it outlives the conversation on screen, so
 * someone in a voice channel can read other channels, and joining another call leaves this one.
 */
import { createEffect, createRoot, createSignal } from 'solid-js';
import type { Engine } from '../e2ee/Engine';
import { preferences } from '../stores/preferences';
import { CallSession } from './CallSession';
import type { CallNotice } from '../e2ee/MessageBody';

const [active, setActive] = createSignal<{ call: CallSession; title: string } | null>(null);
export const activeCall = active;

/** Joins `channelId`'s call (with the camera on when `video`), leaving any other call first. */
export function joinCall(engine: Engine, channelId: string, title: string, options: { video?: boolean; oneToOne?: boolean; onNotice?: (notice: CallNotice) => void } = {}): CallSession {
  const current = active();
  if (current && current.call.channelId === channelId && ['joining', 'joined'].includes(current.call.state())) return current.call;
  current?.call.leave();
  const call = new CallSession(engine, channelId, { video: !!options.video, relayOnly: preferences().callRelayOnly, endWhenDeclined: !!options.oneToOne, ...(options.onNotice ? { onNotice: options.onNotice } : {}) });
  setActive({ call, title });
  // Leaving on purpose needs no notice: the view goes. Any other ending stays until dismissed.
  createRoot((dispose) =>
    createEffect(() => {
      if (call.state() === 'left') {
        if (active()?.call === call) setActive(null);
        dispose();
      } else if (!['joining', 'joined'].includes(call.state())) dispose();
    }),
  );
  void call.start();
  return call;
}

/** Forgets a call that ended (left, refused, full, disconnected) once its notice was seen. */
export function dismissCall(): void {
  const current = active();
  if (current && ['joining', 'joined'].includes(current.call.state())) current.call.leave();
  setActive(null);
}

/** Signing out (or leaving the chat screen) ends the call. */
export function endActiveCall(): void {
  active()?.call.leave();
  setActive(null);
}
