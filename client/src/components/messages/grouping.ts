/**
 * How the message list groups rows, as modern chat apps do: a new day gets a separator, and a
 * message continues its sender's group (no repeated name and avatar) when the one before it is
 * from the same sender, on the same day, less than GROUP_GAP_MS earlier, and neither is a reply
 * (a reply shows what it answers, so it opens its own group).
 */
import { GROUP_GAP_MS, sameDay } from './messageTime';

export interface Groupable {
  sender: string;
  ts: number;
  replyTo?: unknown;
}

/**
 * How far a message may seem older than the one before it and still continue its group, e.g. one
 * still being sent: its time is this device's clock, while the one before, once acknowledged, carries
 * the server's later time. Without this, each quick message flickered as a new group until its
 * own acknowledgement arrived (seen in a CI run).
 */
const SENDING_SKEW_MS = 30_000;

export const startsDay = (prev: Groupable | undefined, m: Groupable): boolean => !prev || !sameDay(prev.ts, m.ts);

export function startsGroup(prev: Groupable | undefined, m: Groupable): boolean {
  if (!prev || startsDay(prev, m)) return true;
  if (prev.sender !== m.sender || m.replyTo) return true;
  const gap = m.ts - prev.ts;
  // Rows are in seq order, so a small negative gap is only clocks disagreeing (this device's for
  // a message still being sent, or the room's clock stepping back): the group continues.
  if (gap < 0) return gap <= -SENDING_SKEW_MS;
  return gap >= GROUP_GAP_MS;
}
