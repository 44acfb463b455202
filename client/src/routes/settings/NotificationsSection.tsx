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
import { disablePush, enablePush, pushSupported } from '../../notifications/push';
import { deletePushSubscription, listPushSubscriptions, pushConfig } from '../../api/push';
import { listOwnDevices } from '../../api/keys';
import { deviceDb } from '../../stores/DeviceDb';
import { readable } from '../../api/readable';

export const LEVEL_LABELS: Record<Level, string> = { all: msg('Every message'), mentions: msg('Only mentions'), none: msg('Nothing') };
const SOUND_LABELS: Record<Sound, string> = { chime: msg('Chime'), pop: msg('Pop'), bell: msg('Bell'), none: msg('No sound') };

export function NotificationsSection() {
  const [permission, setPermission] = createSignal(typeof Notification === 'undefined' ? 'denied' : Notification.permission);
  const communities = readable(() => listCommunities().then((r) => r.communities)).value;
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
      <PushCard />
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

const PUSH_ERRORS: Record<string, string> = {
  unsupported: msg('This browser cannot receive notifications while Chatalot is closed.'),
  denied: msg('This browser blocks notifications from this site. Allow them in its site settings, then try again.'),
  unavailable: msg('This instance does not send push notifications.'),
};

/** Web Push (issue #17 item 2): notifications while the app is closed, with the preview decrypted on this device. */
function PushCard() {
  const [config] = createResource(() => (pushSupported() ? pushConfig().catch(() => null) : Promise.resolve(null)));
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal('');
  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (e) {
      const reason = e instanceof Error ? e.message : '';
      setError(t(PUSH_ERRORS[reason] ?? msg('Push notifications could not be turned on here: {reason}'), { reason }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={config()?.enabled}>
      <section class="settings-card" aria-labelledby="push-title">
        <h3 id="push-title">{t('When Chatalot is closed')}</h3>
        <p class="muted">{t('Your browser’s push service can wake this device when a message arrives while no Chatalot window is open. The push says only which conversation moved; this device then fetches the message and decrypts it itself, so the preview stays end-to-end encrypted. The levels above decide what is pushed.')}</p>
        <Show
          when={notificationPrefs().push}
          fallback={
            <button type="button" class="primary" disabled={busy()} onClick={() => void act(enablePush)}>
              {t('Turn on push notifications')}
            </button>
          }
        >
          <p role="status">{t('Push notifications are on for this device.')}</p>
          <label class="check">
            <input type="checkbox" checked={notificationPrefs().pushText} onChange={(e) => updateNotificationPrefs((p) => ({ ...p, pushText: e.currentTarget.checked }))} />
            {t('Show who wrote and what')}
          </label>
          <p class="hint">{t('Off: a push notification names the conversation only, for a lock screen others can see. On: this device decrypts the text itself; the server never can.')}</p>
          <button type="button" class="small" disabled={busy()} onClick={() => void act(disablePush)}>
            {t('Turn off push notifications')}
          </button>
        </Show>
        <PushDevices refresh={() => notificationPrefs().push} />
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
      </section>
    </Show>
  );
}

/** Which of the account's devices receive pushes (each subscribed itself), and removing one. */
function PushDevices(props: { refresh: () => boolean }) {
  const [subs, { refetch }] = createResource(props.refresh, async () => {
    const [{ subscriptions }, { devices }] = await Promise.all([listPushSubscriptions(), listOwnDevices()]);
    const names = new Map(devices.map((d) => [d.deviceId, d.name]));
    const self = await (await deviceDb()).get<{ deviceId: string }>('device', 'self');
    return subscriptions.map((s) => ({ ...s, name: names.get(s.deviceId) ?? s.deviceId, own: s.deviceId === self?.deviceId }));
  });
  return (
    <Show when={(subs() ?? []).length > 0}>
      <h4>{t('Devices that get push notifications')}</h4>
      <ul class="plain-list" aria-label={t('Devices that get push notifications')}>
        <For each={subs()}>
          {(s) => (
            <li>
              {s.name} <span class="muted">({new URL(s.service).host}{s.own ? `, ${t('this device')}` : ''})</span>{' '}
              <button type="button" class="small" aria-label={t('Stop push notifications on {device}', { device: s.name })} onClick={() => void (s.own ? disablePush() : deletePushSubscription(s.deviceId)).then(refetch, () => undefined)}>
                {t('Stop')}
              </button>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
