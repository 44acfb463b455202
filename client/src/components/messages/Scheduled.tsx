/**
 * Scheduled messages (issue #15 item 4): the dialog that picks when a message goes out, and the
 * list of this user's pending ones in the conversation (edit, send now, cancel). The message is
 * sealed when it is scheduled and the room releases it at its time, even with every device of
 * the sender closed (protocol/scheduled.ts says what happens when the members change meanwhile).
 */
import { createEffect, createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n';
import type { ScheduledView } from '../../stores/ChannelSession';
import { Dialog } from '../Dialog';

/** A Date as a `datetime-local` value in this browser's time zone, to the second. */
function localValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** The next whole hour at least 10 minutes away: a sensible default. */
function defaultTime(now = Date.now()): number {
  const d = new Date(now + 10 * 60_000);
  d.setMinutes(60, 0, 0);
  return d.getTime();
}

/** Picks the release time (and, when editing, the text) of a scheduled message. */
export function ScheduleDialog(props: {
  open: boolean;
  /** Editing a pending one: its text and time. */
  initial?: { text: string; at: number } | null;
  onClose: () => void;
  onSchedule: (text: string, at: number) => Promise<void>;
}) {
  const [when, setWhen] = createSignal('');
  const [text, setText] = createSignal('');
  const [problem, setProblem] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  createEffect(() => {
    if (!props.open) return;
    setWhen(localValue(props.initial?.at ?? defaultTime()));
    setText(props.initial?.text ?? '');
    setProblem('');
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const at = new Date(when()).getTime();
    if (!Number.isFinite(at) || at <= Date.now()) return setProblem(t('Pick a time in the future.'));
    if (props.initial && !text().trim()) return setProblem(t('A message needs some text.'));
    setBusy(true);
    try {
      await props.onSchedule(text().trim(), at);
    } catch {
      setProblem(t('Not connected: try again in a moment.'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={props.open} title={props.initial ? t('Edit scheduled message') : t('Schedule message')} onClose={props.onClose}>
      <form class="schedule-dialog" onSubmit={(e) => void submit(e)}>
        <Show when={props.initial}>
          <label>
            {t('Message')}
            <textarea rows={3} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
        </Show>
        <label>
          {t('Send at')}
          <input type="datetime-local" step="1" value={when()} onInput={(e) => setWhen(e.currentTarget.value)} required />
        </label>
        <p class="muted">{t('It is encrypted now and sent at that time, even if this app is closed.')}</p>
        <Show when={problem()}>
          <p class="error" role="alert">
            {problem()}
          </p>
        </Show>
        <button type="submit" class="primary" disabled={busy()}>
          {props.initial ? t('Save') : t('Schedule')}
        </button>
      </form>
    </Dialog>
  );
}

/** The pending scheduled messages of this user in the conversation, above the composer. */
export function ScheduledList(props: {
  items: ScheduledView[];
  error: string | null;
  onEdit: (item: ScheduledView) => void;
  onSendNow: (item: ScheduledView) => void;
  onCancel: (item: ScheduledView) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const time = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <Show when={props.items.length > 0 || props.error}>
      <div class="scheduled-list" data-testid="scheduled-list">
        <Show when={props.error}>
          <p class="error" role="alert">
            {props.error}
          </p>
        </Show>
        <Show when={props.items.length > 0}>
          <button type="button" class="link-button" aria-expanded={open()} onClick={() => setOpen(!open())}>
            {t('{count} scheduled messages', { count: props.items.length })}
          </button>
        </Show>
        <Show when={open()}>
          <ul>
            <For each={props.items}>
              {(item) => (
                <li data-testid="scheduled-item">
                  <span class="muted">{time(item.at)}</span>{' '}
                  <span class="scheduled-text">{item.body?.text ?? t('Scheduled on another device')}</span>
                  <Show when={item.held === 'members_changed'}>
                    {' '}
                    <span class="muted">{t('Waiting to be encrypted again: the members changed.')}</span>
                  </Show>
                  <Show when={item.held === 'forbidden'}>
                    {' '}
                    <span class="error">{t('Waiting: you may not send here at the moment.')}</span>
                  </Show>{' '}
                  <Show when={item.body?.text !== undefined && item.held !== 'members_changed'}>
                    <button type="button" class="link-button" onClick={() => props.onEdit(item)}>
                      {t('Edit')}
                    </button>{' '}
                    <button type="button" class="link-button" onClick={() => props.onSendNow(item)}>
                      {t('Send now')}
                    </button>{' '}
                  </Show>
                  <button type="button" class="link-button" aria-label={t('Cancel the scheduled message')} onClick={() => props.onCancel(item)}>
                    {t('Cancel')}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
    </Show>
  );
}
