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

type Kind = 'time' | 'weekday' | 'date' | 'full' | 'day' | 'relative';

/**
 * One formatter per kind, clock and locale, made the first time it is asked for: creating one
 * costs milliseconds on a slow phone (the first loads the locale's data), so a chat that shows
 * only today's messages never makes the weekday or date ones, and `warmTimeFormats` makes the
 * common ones in idle time before the first rows are drawn.
 */
const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function format(kind: 'relative', clock: Clock, locale: string | undefined): Intl.RelativeTimeFormat;
function format(kind: Exclude<Kind, 'relative'>, clock: Clock, locale: string | undefined): Intl.DateTimeFormat;
function format(kind: Kind, clock: Clock, locale: string | undefined): Intl.DateTimeFormat | Intl.RelativeTimeFormat {
  // The clock does not change a relative or a day label: one of each per locale.
  const key = `${kind} ${kind === 'relative' || kind === 'day' ? '' : clock} ${locale ?? ''}`;
  let f = cache.get(key);
  if (!f) {
    const hourCycle = clock === '24h' ? 'h23' : 'h12';
    const hour = clock === '24h' ? '2-digit' : 'numeric';
    f =
      kind === 'relative'
        ? new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
        : kind === 'time'
          ? new Intl.DateTimeFormat(locale, { hour, minute: '2-digit', hourCycle })
          : kind === 'weekday'
            ? new Intl.DateTimeFormat(locale, { weekday: 'short', hour, minute: '2-digit', hourCycle })
            : kind === 'date'
              ? new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour, minute: '2-digit', hourCycle })
              : kind === 'full'
                ? new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'medium', hourCycle })
                : new Intl.DateTimeFormat(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
    cache.set(key, f);
  }
  return f;
}

/**
 * Makes the formatters a chat opening on recent messages needs, one per idle moment, so the
 * first rows do not pay for them in one long task. Safe to call more than once.
 */
export function warmTimeFormats(clock: Clock, locale?: string): void {
  const idle: (fn: () => void) => void = typeof requestIdleCallback === 'function' ? (fn) => void requestIdleCallback(fn, { timeout: 2000 }) : (fn) => void setTimeout(fn, 0);
  const kinds: Kind[] = ['time', 'relative', 'full'];
  const next = () => {
    const kind = kinds.shift();
    if (!kind) return;
    // The first format() loads what the constructor left for later; that is part of the warming.
    if (kind === 'relative') format('relative', clock, locale).format(-1, 'day');
    else format(kind as 'time', clock, locale).format(Date.now());
    idle(next);
  };
  idle(next);
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
  const age = now - ts;
  const days = daysBetween(ts, now);
  if (display === 'absolute') return days === 0 ? format('time', clock, locale).format(ts) : format('date', clock, locale).format(ts);
  // A timestamp slightly ahead of this device's clock is "just now" too.
  if (age < JUST_NOW_MS) return !locale || locale.startsWith('en') ? 'just now' : format('relative', clock, locale).format(0, 'second');
  if (age < MINUTES_FOR_MS) return format('relative', clock, locale).format(-Math.floor(age / 60_000), 'minute');
  if (days === 0 || days === 1) return `${format('relative', clock, locale).format(-days, 'day')} ${format('time', clock, locale).format(ts)}`;
  if (days > 1 && days <= WEEKDAY_FOR_DAYS) return format('weekday', clock, locale).format(ts);
  return format('date', clock, locale).format(ts);
}

/** The full date and time, for the tooltip. */
export function messageTimeFull(ts: number, clock: Clock, locale?: string): string {
  return format('full', clock, locale).format(ts);
}

/** How often the pane recomputes relative labels, ms: a minute count is then at most half a minute behind. */
export const LABEL_REFRESH_MS = 30_000;

/** Whether two instants fall on the same local calendar day. */
export const sameDay = (a: number, b: number): boolean => daysBetween(a, b) === 0;

/** A day separator's label: "Today", "Yesterday", then the full date ("Monday, 30 November 2026"). */
export function dayLabel(ts: number, now: number, locale?: string): string {
  const days = daysBetween(ts, now);
  if (days === 0 || days === 1) {
    const text = format('relative', '24h', locale).format(-days, 'day');
    return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
  }
  return format('day', '24h', locale).format(ts);
}

/** Consecutive messages from one sender closer together than this share one name and avatar, ms. */
export const GROUP_GAP_MS = 5 * 60_000;

/** The hour and minute alone, beside a message that continues its sender's group. */
export function messageTimeShort(ts: number, clock: Clock, locale?: string): string {
  return format('time', clock, locale).format(ts);
}
