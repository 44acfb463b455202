/**
 * Settings → Notifications (issue #17 item 1): desktop notifications on this device. The browser's
 * permission is asked only when the person presses the button that says what it is for. Then:
 * do not disturb, what to be told about by default and per community (each conversation's own
 * setting is in its header), and the sound with its volume.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { listCommunities } from '../../api/communities';
import { askPermission } from '../../notifications/desktop';
import { LEVELS, notificationPrefs, setCommunityLevel, SOUNDS, updateNotificationPrefs, type Level, type Sound } from '../../notifications/prefs';
import { playSound } from '../../notifications/sounds';

export const LEVEL_LABELS: Record<Level, string> = { all: msg('Every message'), mentions: msg('Only mentions'), none: msg('Nothing') };
const SOUND_LABELS: Record<Sound, string> = { chime: msg('Chime'), pop: msg('Pop'), bell: msg('Bell'), none: msg('No sound') };

export function NotificationsSection() {
  const [permission, setPermission] = createSignal(typeof Notification === 'undefined' ? 'denied' : Notification.permission);
  const [communities] = createResource(() => listCommunities().then((r) => r.communities));
  const on = () => notificationPrefs().enabled && permission() === 'granted';
  const turnOn = async () => {
    const answer = await askPermission();
    setPermission(answer);
    if (answer === 'granted') updateNotificationPrefs((p) => ({ ...p, enabled: true }));
  };
  return (
    <>
      <section class="settings-card" aria-labelledby="notifications-title">
        <h3 id="notifications-title">{t('Desktop notifications')}</h3>
        <p class="muted">{t('Chatalot can tell you when a message arrives while its window is in the background. A notification names the conversation, never what was said.')}</p>
        <Show
          when={on()}
          fallback={
            <>
              <button type="button" class="primary" onClick={() => void turnOn()}>
                {t('Turn on desktop notifications')}
              </button>
              <Show when={permission() === 'denied'}>
                <p class="error" role="alert">
                  {t('This browser blocks notifications from this site. Allow them in its site settings, then try again.')}
                </p>
              </Show>
            </>
          }
        >
          <label class="check">
            <input type="checkbox" checked={notificationPrefs().dnd} onChange={(e) => updateNotificationPrefs((p) => ({ ...p, dnd: e.currentTarget.checked }))} />
            {t('Do not disturb')}
          </label>
          <button type="button" class="small" onClick={() => updateNotificationPrefs((p) => ({ ...p, enabled: false }))}>
            {t('Turn off desktop notifications')}
          </button>
        </Show>
      </section>
      <section class="settings-card" aria-labelledby="notify-levels-title">
        <h3 id="notify-levels-title">{t('What to be told about')}</h3>
        <label>
          {t('Every conversation, unless set otherwise')}
          <select value={notificationPrefs().defaultLevel} onChange={(e) => updateNotificationPrefs((p) => ({ ...p, defaultLevel: e.currentTarget.value as Level }))}>
            <For each={LEVELS}>{(l) => <option value={l}>{t(LEVEL_LABELS[l])}</option>}</For>
          </select>
        </label>
        <For each={communities() ?? []}>
          {(c) => (
            <label>
              {c.name}
              <select value={notificationPrefs().communities[c.id] ?? ''} onChange={(e) => setCommunityLevel(c.id, (e.currentTarget.value || null) as Level | null)}>
                <option value="">{t('As every conversation')}</option>
                <For each={LEVELS}>{(l) => <option value={l}>{t(LEVEL_LABELS[l])}</option>}</For>
              </select>
            </label>
          )}
        </For>
      </section>
      <section class="settings-card" aria-labelledby="notify-sound-title">
        <h3 id="notify-sound-title">{t('Sound')}</h3>
        <label>
          {t('Notification sound')}
          <select value={notificationPrefs().sound} onChange={(e) => updateNotificationPrefs((p) => ({ ...p, sound: e.currentTarget.value as Sound }))}>
            <For each={SOUNDS}>{(s) => <option value={s}>{t(SOUND_LABELS[s])}</option>}</For>
          </select>
        </label>
        <label>
          {t('Volume')}
          <input type="range" min="0" max="100" step="5" value={notificationPrefs().volume} onInput={(e) => updateNotificationPrefs((p) => ({ ...p, volume: Number(e.currentTarget.value) }))} />
        </label>
        <button type="button" class="small" onClick={() => playSound(notificationPrefs().sound, notificationPrefs().volume)}>
          {t('Play it')}
        </button>
      </section>
    </>
  );
}
