/**
 * The user hub's live state for the shell, as Solid state: unread and mention counts per channel,
 * the presence of the users this device watches, and who is typing where. It also speaks for
 * this device: its presence (idle when the page is hidden or untouched for a while), typing
 * indicators (throttled to what the hub accepts), read markers (only forward) and the watch list.
 *
 * It reads frames through `engine.onHub` and writes through `engine.hub`; it does not open the
 * socket, open envelopes or know which conversation is on screen (ChatScreen decides that).
 * Frames are in protocol/hub.ts and docs/protocol.md ("The user hub").
 */
import { createEffect, onCleanup, type Accessor } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import { MAX_WATCH, TYPING_INTERVAL_MS, type HubClientFrame, type HubServerFrame, type PresenceState, type UnreadState } from '../../../protocol/hub';
import type { Engine } from '../e2ee/Engine';

/** How long a typing indicator stays shown without a new one: the hub relays one per 3 s, so two missed frames end it. */
export const TYPING_SHOWN_MS = 6_000;
/** Without a key press, click or touch for this long the device reports itself idle. */
export const IDLE_AFTER_MS = 5 * 60_000;
/** How often inactivity is checked; idle may show up to this much later than IDLE_AFTER_MS. */
const IDLE_CHECK_MS = 30_000;

/** What the shell reads from and tells the hub. */
export interface HubState {
  /** Every channel the hub reported unread state for: all the user is in, including ones this screen has not listed yet. */
  channels(): string[];
  /** Unread state of a channel; undefined until the hub reported it. */
  unread(channelId: string): UnreadState | undefined;
  /** A watched user's presence; 'offline' when not (yet) known. */
  presenceOf(userId: string): PresenceState;
  /**
   * Calls `fn` when a user in view (or this user) changed their name or status (a `profile`
   * frame), so it shows at once instead of at the next list read. Returns an unsubscribe.
   */
  onProfile(fn: (p: Extract<HubServerFrame, { type: 'profile' }>) => void): () => void;
  /** Ids of the users typing in a channel now (never this user). */
  typingIn(channelId: string): string[];
  /** Tells the channel's members this user is typing; throttled, so call it on every keystroke. */
  sendTyping(channelId: string): void;
  /** Moves this user's read marker of a channel forward to `seq` (never back). */
  markRead(channelId: string, seq: number): void;
  /** Follows these users' presence (replaces the list; at most MAX_WATCH). */
  watch(userIds: string[]): void;
  /**
   * Calls `fn` when a message from someone else arrives in a conversation while this device is
   * connected (its unread count rose live; not the snapshot after a connect), with whether it
   * raised the mention count: what desktop notifications follow (issue #17). Returns an unsubscribe.
   */
  onArrival(fn: (u: UnreadState, mention: boolean) => void): () => void;
}

interface Shape {
  unread: Record<string, UnreadState>;
  presence: Record<string, PresenceState>;
  /** channelId → userId → when the indicator expires (ms). */
  typing: Record<string, Record<string, number>>;
}

/** The hub state of the signed-in user; call inside a component (it cleans up with it). */
export function createHub(engine: Accessor<Engine | undefined>): HubState {
  const [state, setState] = createStore<Shape>({ unread: {}, presence: {}, typing: {} });
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const lastTypingSent = new Map<string, number>();
  let watched: string[] = [];
  let ownState: 'online' | 'idle' = 'online';
  let lastActivity = Date.now();
  /** The current connection's snapshot is over: unread frames from now on are arrivals. */
  let live = false;
  const arrivals = new Set<(u: UnreadState, mention: boolean) => void>();
  const profiles = new Set<(p: Extract<HubServerFrame, { type: 'profile' }>) => void>();
  createEffect(() => {
    const e = engine();
    if (!e || e.hub.status() !== 'open') live = false;
  });

  const send = (frame: HubClientFrame) => engine()?.hub.send(frame) ?? false;

  const typingSeen = (channelId: string, userId: string) => {
    const key = `${channelId}:${userId}`;
    clearTimeout(typingTimers.get(key));
    setState('typing', channelId, (t) => ({ ...t, [userId]: Date.now() + TYPING_SHOWN_MS }));
    typingTimers.set(
      key,
      setTimeout(() => {
        typingTimers.delete(key);
        setState(
          'typing',
          produce((t) => {
            if (t[channelId]) delete t[channelId][userId];
          }),
        );
      }, TYPING_SHOWN_MS),
    );
  };

  const onFrame = (f: HubServerFrame) => {
    if (f.type === 'unread') {
      const { type: _type, ...u } = f;
      // A copy: the store merges the new values into the same object.
      const known = state.unread[f.channelId];
      const before = known ? { ...known } : undefined;
      setState('unread', f.channelId, u);
      const arrived = live && u.unread > 0 && (!before || (u.head > before.head && u.unread > before.unread));
      // One line per frame at debug level: a notification that never came can be read from a test's console transcript.
      console.debug(`hub unread ${f.channelId}: head ${u.head}, unread ${u.unread}, ${live ? (arrived ? 'arrival' : 'no arrival') : 'snapshot'}`);
      if (arrived) for (const fn of arrivals) fn(u, u.mentions > (before?.mentions ?? 0));
    } else if (f.type === 'presence') setState('presence', f.userId, f.state);
    else if (f.type === 'profile') for (const fn of profiles) fn(f);
    else if (f.type === 'typing') typingSeen(f.channelId, f.userId);
    else if (f.type === 'ready') {
      live = true;
      // A (re)connected socket starts online with an empty watch list: say again what this device is and follows.
      if (ownState === 'idle') send({ type: 'presence', state: 'idle' });
      if (watched.length > 0) send({ type: 'watch', userIds: watched });
    }
  };

  createEffect(() => {
    const e = engine();
    if (e) onCleanup(e.onHub(onFrame));
  });

  // ── This device's presence ─────────────────────────────────────────────────────────────────
  const setOwn = (next: 'online' | 'idle') => {
    if (next === ownState) return;
    ownState = next;
    send({ type: 'presence', state: next });
  };
  const recompute = () => setOwn(document.visibilityState === 'hidden' || Date.now() - lastActivity > IDLE_AFTER_MS ? 'idle' : 'online');
  const active = () => {
    lastActivity = Date.now();
    if (ownState === 'idle') recompute();
  };
  const activity = ['keydown', 'pointerdown', 'focus'] as const;
  for (const type of activity) addEventListener(type, active, { passive: true, capture: true });
  document.addEventListener('visibilitychange', recompute);
  const idleCheck = setInterval(recompute, IDLE_CHECK_MS);
  onCleanup(() => {
    for (const type of activity) removeEventListener(type, active, { capture: true });
    document.removeEventListener('visibilitychange', recompute);
    clearInterval(idleCheck);
    for (const t of typingTimers.values()) clearTimeout(t);
  });

  return {
    channels: () => Object.keys(state.unread),
    unread: (channelId) => state.unread[channelId],
    presenceOf: (userId) => state.presence[userId] ?? 'offline',
    onProfile(fn) {
      profiles.add(fn);
      return () => profiles.delete(fn);
    },
    typingIn: (channelId) => Object.keys(state.typing[channelId] ?? {}),

    sendTyping(channelId) {
      const now = Date.now();
      const last = lastTypingSent.get(channelId);
      if (last !== undefined && now - last < TYPING_INTERVAL_MS) return;
      if (send({ type: 'typing', channelId })) lastTypingSent.set(channelId, now);
    },

    markRead(channelId, seq) {
      const known = state.unread[channelId];
      if (known && seq <= known.readSeq) return;
      if (!send({ type: 'read', channelId, seq })) return;
      // Shown at once; the hub's own `unread` frame follows within a second and corrects it.
      const head = Math.max(known?.head ?? 0, seq);
      setState('unread', channelId, { channelId, head, readSeq: seq, unread: head - seq, mentions: seq >= head ? 0 : (known?.mentions ?? 0) });
    },

    watch(userIds) {
      const next = [...new Set(userIds)].sort().slice(0, MAX_WATCH);
      if (next.length === watched.length && next.every((id, i) => id === watched[i])) return;
      watched = next;
      send({ type: 'watch', userIds: next });
    },

    onArrival(fn) {
      arrivals.add(fn);
      return () => arrivals.delete(fn);
    },
  };
}
