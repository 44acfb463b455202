/**
 * Spoilers, as Discord writes them: `||the ending||` shows as a covered span the reader uncovers
 * (markdownFull.ts draws it; MessagePane.tsx uncovers it on a click, Enter or Space). Anywhere a
 * message's text is shown without the list's rendering — a notification, a reply's quote, the
 * pinned list — the covered text is left out.
 */

/** A spoiler in a message's text: `||`, something that does not start with a space, `||`. */
export const SPOILER = /\|\|(?=\S)([\s\S]+?)\|\|/g;

/** What stands for a covered spoiler where it cannot be uncovered. */
export const COVERED = '▒▒▒';

/** The text with every spoiler covered. */
export const hideSpoilers = (text: string): string => text.replace(SPOILER, COVERED);

/** Uncovers a spoiler a reader clicked or pressed Enter or Space on; true when there was one. */
export function uncoverSpoiler(target: EventTarget | null): boolean {
  const el = target instanceof Element ? target.closest('.spoiler:not(.revealed)') : null;
  if (!el) return false;
  el.classList.add('revealed');
  for (const a of ['role', 'tabindex', 'aria-label', 'aria-expanded']) el.removeAttribute(a);
  return true;
}
