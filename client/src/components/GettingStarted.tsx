/**
 * The owner's first minutes: a short checklist on the home screen (invite people, create a
 * community, set up two-factor authentication, keep the recovery code), each item ticked from
 * what is true (a community exists, 2FA is on) or what this device saw the user do (made an
 * invite, confirmed the recovery code). Dismissing it is remembered per account on this device.
 */
import { msg, t } from '../i18n';
import { createSignal, For, Show } from 'solid-js';
import { user } from '../stores/session';
import { CHECKLIST_DISMISSED_KEY as DISMISSED_KEY, INVITED_KEY, RECOVERY_SAVED_KEY } from '../stores/checklist';

export function GettingStarted(props: { hasCommunity: boolean; onInvite: () => void; onCreateCommunity: () => void }) {
  const me = () => user()!;
  const [dismissed, setDismissed] = createSignal(localStorage.getItem(DISMISSED_KEY(me().id)) === '1');
  const [tick, setTick] = createSignal(0);
  // Re-read the device flags whenever the checklist is shown again or an action returns.
  const flag = (key: string) => (tick(), localStorage.getItem(key) === '1');
  // One list for the component's life (For keys rows by identity); each row's state is live.
  const items: { id: string; label: string; done: () => boolean; action?: () => void; href?: string }[] = [
    { id: 'invite', label: msg('Invite people'), done: () => flag(INVITED_KEY(me().id)), action: () => props.onInvite() },
    { id: 'community', label: msg('Create your first community'), done: () => props.hasCommunity, action: () => props.onCreateCommunity() },
    { id: '2fa', label: msg('Set up two-factor authentication'), done: () => me().totpEnabled, href: '#/settings/security' },
    { id: 'recovery', label: msg('Save your recovery code'), done: () => flag(RECOVERY_SAVED_KEY(me().id)), href: '#/settings/security' },
  ];
  const left = () => items.filter((i) => !i.done()).length;
  const dismiss = () => (localStorage.setItem(DISMISSED_KEY(me().id), '1'), setDismissed(true));
  return (
    <Show when={!dismissed() && left() > 0}>
      <section class="card checklist" aria-labelledby="checklist-title" onFocusIn={() => setTick(tick() + 1)}>
        <div class="checklist-head">
          <h3 id="checklist-title">{t('Get started')}</h3>
          <button type="button" class="small" onClick={dismiss}>
            {t('Dismiss')}
          </button>
        </div>
        <p class="muted">{t('{count} steps left', { count: left() })}</p>
        <ul>
          <For each={items}>
            {(i) => (
              <li classList={{ done: i.done() }} data-testid={`checklist-${i.id}`}>
                <span class="checklist-mark" aria-hidden="true">
                  {i.done() ? '✓' : '○'}
                </span>
                <span class="visually-hidden">{i.done() ? t('Done: ') : t('To do: ')}</span>
                <Show when={i.href} fallback={<button type="button" class="link-button" onClick={() => i.action?.()}>{t(i.label)}</button>}>
                  <a href={i.href}>{t(i.label)}</a>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
