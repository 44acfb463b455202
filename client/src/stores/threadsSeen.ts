/**
 * How far this device has read each thread (issue #15 item 2): per channel, the last reply seq
 * seen in each thread's panel, kept in this browser's storage (it says which threads have replies
 * you have not opened; nothing of it reaches the server).
 */
import { createSignal } from 'solid-js';

const KEY = (channelId: string) => `chatalot.threadsSeen.${channelId}`;
const [version, setVersion] = createSignal(0);

function read(channelId: string): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem(KEY(channelId)) ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

/** The last reply seq seen in thread `root` of `channelId` (0: never opened). Reactive. */
export function threadSeen(channelId: string, root: number): number {
  version();
  return read(channelId)[root] ?? 0;
}

/** Marks thread `root` read up to `seq`. */
export function markThreadSeen(channelId: string, root: number, seq: number): void {
  const seen = read(channelId);
  if ((seen[root] ?? 0) >= seq) return;
  seen[root] = seq;
  try {
    localStorage.setItem(KEY(channelId), JSON.stringify(seen));
  } catch {
    // storage full or refused: unread state is a convenience
  }
  setVersion(version() + 1);
}
