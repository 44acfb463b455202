/**
 * Unread and mention counts next to a conversation's name. The numbers are drawn for the eye
 * and hidden from assistive technology; the link itself carries the same facts in words through
 * `unreadLabel` ("general, 3 unread, 1 mention"), so a screen reader hears them once.
 */
import { t } from '../i18n';
import { Show } from 'solid-js';

export interface Counts {
  unread: number;
  mentions: number;
}

/** "general, 3 unread, 1 mention": the accessible name of a conversation link. */
export function unreadLabel(name: string, counts: Counts | undefined): string {
  const parts = [name];
  if (counts && counts.unread > 0) parts.push(t('{count} unread', { count: counts.unread }));
  if (counts && counts.mentions > 0) parts.push(t('{count} mentions', { count: counts.mentions }));
  return parts.join(', ');
}

/** Shown counts: more than 99 reads "99+", as in common chat apps, so a badge keeps its width. */
const shown = (n: number) => (n > 99 ? '99+' : String(n));

export function UnreadBadge(props: { counts: Counts | undefined }) {
  return (
    <>
      <Show when={(props.counts?.mentions ?? 0) > 0}>
        <span class="badge badge-mention" aria-hidden="true" data-mentions={props.counts!.mentions}>
          @{shown(props.counts!.mentions)}
        </span>
      </Show>
      <Show when={(props.counts?.unread ?? 0) > 0}>
        <span class="badge" aria-hidden="true" data-unread={props.counts!.unread}>
          {shown(props.counts!.unread)}
        </span>
      </Show>
    </>
  );
}
