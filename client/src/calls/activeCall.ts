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

/**
 * The call this tab is in, kept in sessionStorage (this tab only, through reloads): a page that
 * reloads mid-call joins it again (issue #14 item 7), and its old connection is replaced.
 */
const RESUME_KEY = 'chatalot.call';
interface Resume {
  channelId: string;
  title: string;
  video: boolean;
}

/** The call to join again after a reload of this tab, if it was in one. */
export function callToResume(): Resume | null {
  try {
    const r = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? 'null') as Resume | null;
    return r && typeof r.channelId === 'string' && typeof r.title === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** Joins `channelId`'s call (with the camera on when `video`), leaving any other call first. */
export function joinCall(engine: Engine, channelId: string, title: string, options: { video?: boolean; oneToOne?: boolean; onNotice?: (notice: CallNotice) => void } = {}): CallSession {
  const current = active();
  if (current && current.call.channelId === channelId && ['joining', 'joined'].includes(current.call.state())) return current.call;
  current?.call.leave();
  const call = new CallSession(engine, channelId, { video: !!options.video, relayOnly: preferences().callRelayOnly, endWhenDeclined: !!options.oneToOne, ...(options.onNotice ? { onNotice: options.onNotice } : {}) });
  setActive({ call, title });
  sessionStorage.setItem(RESUME_KEY, JSON.stringify({ channelId, title, video: !!options.video } satisfies Resume));
  // Leaving on purpose needs no notice: the view goes. Any other ending stays until dismissed.
  createRoot((dispose) => {
    // The camera's state too, so a reload comes back as it was.
    createEffect(() => {
      const video = call.media().video;
      if (active()?.call === call && ['joining', 'joined'].includes(call.state())) sessionStorage.setItem(RESUME_KEY, JSON.stringify({ channelId, title, video } satisfies Resume));
    });
    createEffect(() => {
      const state = call.state();
      if (['joining', 'joined'].includes(state)) return;
      if (active()?.call === call) sessionStorage.removeItem(RESUME_KEY);
      if (state === 'left' && active()?.call === call) setActive(null);
      dispose();
    });
  });
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
  sessionStorage.removeItem(RESUME_KEY);
}
