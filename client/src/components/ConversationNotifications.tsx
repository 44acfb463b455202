/**
 * A conversation's own notification setting, in its header (issue #17 item 1): its level (or the
 * community's / the default), and muting it for a while.
 */
import { createSignal, For, Show } from 'solid-js';
import { msg, t } from '../i18n';
import { LEVELS, levelOf, muteConversation, notificationPrefs, setConversationLevel, type Level } from '../notifications/prefs';
import { LEVEL_LABELS } from '../routes/settings/NotificationsSection';

const MUTES = [
  { id: '', label: msg('Not muted'), ms: null },
  { id: '1h', label: msg('Muted for an hour'), ms: 3_600_000 },
  { id: '8h', label: msg('Muted for 8 hours'), ms: 8 * 3_600_000 },
  { id: '1d', label: msg('Muted for a day'), ms: 86_400_000 },
  { id: 'ever', label: msg('Muted until I unmute it'), ms: 100 * 365 * 86_400_000 },
] as const;

export function ConversationNotifications(props: { channelId: string; communityId: string | null; title: string }) {
  const muted = () => (notificationPrefs().mutedUntil[props.channelId] ?? 0) > Date.now();
  const inherited = () => levelOf({ ...notificationPrefs(), conversations: {} }, props.channelId, props.communityId);
  // The menu's two lists are made when it is first opened: every conversation's header carries
  // it closed, and its options were part of the chat screen's first render (bench:lighthouse).
  const [opened, setOpened] = createSignal(false);
  return (
    <details class="notify-menu" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary>{muted() ? t('Muted') : t('Notifications')}</summary>
      <Show when={opened()}>
      <div class="notify-menu-body">
        <label>
          {t('Notifications for {title}', { title: props.title })}
          <select value={notificationPrefs().conversations[props.channelId] ?? ''} onChange={(e) => setConversationLevel(props.channelId, (e.currentTarget.value || null) as Level | null)}>
            <option value="">{t('Default ({level})', { level: t(LEVEL_LABELS[inherited()]) })}</option>
            <For each={LEVELS}>{(l) => <option value={l}>{t(LEVEL_LABELS[l])}</option>}</For>
          </select>
        </label>
        <label>
          {t('Mute {title}', { title: props.title })}
          <select value={muted() ? 'muted' : ''} onChange={(e) => muteConversation(props.channelId, MUTES.find((m) => m.id === e.currentTarget.value)?.ms ?? null)}>
            <For each={MUTES}>{(m) => <option value={m.id}>{t(m.label)}</option>}</For>
            <option value="muted" disabled hidden>
              {t('Muted')}
            </option>
          </select>
        </label>
      </div>
      </Show>
    </details>
  );
}
