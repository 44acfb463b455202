/**
 * The one call this tab is in, if any (issue #14): it outlives the conversation on screen, so
 * someone in a voice channel can read other channels, and joining another call leaves this one.
 */
import { createSignal } from 'solid-js';
import type { Engine } from '../e2ee/Engine';
import { preferences } from '../stores/preferences';
import { CallSession } from './CallSession';

const [active, setActive] = createSignal<{ call: CallSession; title: string } | null>(null);
export const activeCall = active;

/** Joins `channelId`'s call (with the camera on when `video`), leaving any other call first. */
export function joinCall(engine: Engine, channelId: string, title: string, video = false): CallSession {
  const current = active();
  if (current && current.call.channelId === channelId && ['joining', 'joined'].includes(current.call.state())) return current.call;
  current?.call.leave();
  const call = new CallSession(engine, channelId, { video, relayOnly: preferences().callRelayOnly });
  setActive({ call, title });
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
