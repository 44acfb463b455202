/**
 * Disappearing messages (issue #15 item 5): the timers a conversation can choose, and their
 * names. The room stamps each message sent under a timer with when it erases it; every device
 * stops showing it and forgets its plaintext then (stores/ChannelSession.ts).
 */
import { For } from 'solid-js';
import { t } from '../../i18n';

export const DISAPPEAR_CHOICES = [
  { seconds: 300, label: '5 minutes' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '1 week' },
  { seconds: 28 * 86_400, label: '4 weeks' },
] as const;

/** "1 hour" for a timer of 3,600 seconds (a timer set elsewhere to another value reads in minutes). */
export function disappearLabel(seconds: number): string {
  const known = DISAPPEAR_CHOICES.find((c) => c.seconds === seconds);
  return known ? t(known.label) : t('{count} minutes', { count: Math.round(seconds / 60) });
}

/** The timer's choices as <option>s ("Off", then each choice), for every select that sets it. */
export function DisappearOptions() {
  return (
    <>
      <option value="">{t('Off')}</option>
      <For each={DISAPPEAR_CHOICES}>{(c) => <option value={String(c.seconds)}>{t('after {time}', { time: t(c.label) })}</option>}</For>
    </>
  );
}
