/**
 * How a message's time reads in the list. Relative ("just now", "5 minutes ago", "yesterday
 * 14:03") while it is recent, then the weekday or date with the time; or absolute throughout, by
 * preference. The hour follows the 12h/24h clock setting everywhere, the full date-time for
 * tooltips included. The current time is a parameter: this file keeps no timer (the message pane
 * holds one for all rows) and reads no clock, so its rules can be tested at fixed instants.
 */

export type Clock = '12h' | '24h';
export type TimeDisplay = 'relative' | 'absolute';

/** Under this age a message is "just now", ms: clocks of sender and server differ by seconds. */
const JUST_NOW_MS = 60_000;
/** Under this age the label counts minutes; after it, it names the day. */
const MINUTES_FOR_MS = 60 * 60_000;
/** Messages from the last few days name the weekday; older ones the date. */
const WEEKDAY_FOR_DAYS = 6;

interface Formats {
  time: Intl.DateTimeFormat;
  weekday: Intl.DateTimeFormat;
  date: Intl.DateTimeFormat;
  full: Intl.DateTimeFormat;
  relative: Intl.RelativeTimeFormat;
}

const cache = new Map<string, Formats>();
function formats(clock: Clock, locale: string | undefined): Formats {
  const key = `${clock} ${locale ?? ''}`;
  let f = cache.get(key);
  if (!f) {
    const hourCycle = clock === '24h' ? 'h23' : 'h12';
    const hour = clock === '24h' ? '2-digit' : 'numeric';
    f = {
      time: new Intl.DateTimeFormat(locale, { hour, minute: '2-digit', hourCycle }),
      weekday: new Intl.DateTimeFormat(locale, { weekday: 'short', hour, minute: '2-digit', hourCycle }),
      date: new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour, minute: '2-digit', hourCycle }),
      full: new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'medium', hourCycle }),
      relative: new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }),
    };
    cache.set(key, f);
  }
  return f;
}

/** Whole calendar days from `ts` to `now` in local time (0: same day, 1: yesterday). */
function daysBetween(ts: number, now: number): number {
  const a = new Date(ts);
  const b = new Date(now);
  const dayA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const dayB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((dayB - dayA) / 86_400_000);
}

/** The short label shown beside a message. */
export function messageTimeLabel(ts: number, now: number, display: TimeDisplay, clock: Clock, locale?: string): string {
  const f = formats(clock, locale);
  const age = now - ts;
  const days = daysBetween(ts, now);
  if (display === 'absolute') return days === 0 ? f.time.format(ts) : f.date.format(ts);
  // A timestamp slightly ahead of this device's clock is "just now" too.
  if (age < JUST_NOW_MS) return !locale || locale.startsWith('en') ? 'just now' : f.relative.format(0, 'second');
  if (age < MINUTES_FOR_MS) return f.relative.format(-Math.floor(age / 60_000), 'minute');
  if (days === 0 || days === 1) return `${f.relative.format(-days, 'day')} ${f.time.format(ts)}`;
  if (days > 1 && days <= WEEKDAY_FOR_DAYS) return f.weekday.format(ts);
  return f.date.format(ts);
}

/** The full date and time, for the tooltip. */
export function messageTimeFull(ts: number, clock: Clock, locale?: string): string {
  return formats(clock, locale).full.format(ts);
}

/** How often the pane recomputes relative labels, ms: a minute count is then at most half a minute behind. */
export const LABEL_REFRESH_MS = 30_000;

/** Whether two instants fall on the same local calendar day. */
export const sameDay = (a: number, b: number): boolean => daysBetween(a, b) === 0;

/** A day separator's label: "Today", "Yesterday", then the full date ("Monday, 30 November 2026"). */
export function dayLabel(ts: number, now: number, locale?: string): string {
  const days = daysBetween(ts, now);
  if (days === 0 || days === 1) {
    const text = formats('24h', locale).relative.format(-days, 'day');
    return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
  }
  return new Intl.DateTimeFormat(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(ts);
}

/** Consecutive messages from one sender closer together than this share one name and avatar, ms. */
export const GROUP_GAP_MS = 5 * 60_000;

/** The hour and minute alone, beside a message that continues its sender's group. */
export function messageTimeShort(ts: number, clock: Clock, locale?: string): string {
  return formats(clock, locale).time.format(ts);
}
