/**
 * Settings → devices: every device that holds keys for this account — its name, when it was
 * added, which one this is, whether it is on the account's signed device list — approving a
 * new device (from a device that holds the account key) and removing the others (it leaves the
 * signed list, the server deletes its keys and closes its sockets; people you talk to stop
 * encrypting to it).
 */
import { locale, t } from '../../i18n';
import { createResource, For, Show } from 'solid-js';
import { listOwnDevices, removeDevice, userDevices, type PublicDevice } from '../../api/keys';
import type { Engine } from '../../e2ee/Engine';
import { createAction } from './form';

const when = () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });

export function DevicesSection(props: { engine: Engine | undefined }) {
  const [devices, { refetch }] = createResource(
    () => props.engine,
    async (engine) => {
      const { devices } = await listOwnDevices();
      const published = await userDevices(engine.userId);
      await engine.lists.approved(engine.userId, published.devices, published.deviceList);
      return Promise.all(devices.map(async (d) => ({ ...d, listed: await engine.lists.isListed(engine.userId, d as PublicDevice) })));
    },
  );
  const action = createAction();
  const canApprove = () => {
    const own = props.engine?.lists.own();
    return own?.kind === 'approved' && own.canApprove;
  };
  const remove = (id: string) =>
    void action.run(async () => {
      await props.engine?.lists.withdraw(id);
      await removeDevice(id);
      void refetch();
    });
  const approve = (d: PublicDevice & { name: string }) =>
    void action.run(async () => {
      await props.engine!.lists.approve(d);
      void refetch();
      return `${d.name} is approved: messages are now encrypted to it too.`;
    });
  return (
    <section class="settings-card" aria-labelledby="devices-title">
      <h3 id="devices-title">{t('Devices')}</h3>
      <p>
        {t('Each device has its own keys. Your account key signs the list of your devices; people you talk to encrypt only to the devices on it. Approve a new device here, or enter your recovery code on it to restore your key backup. Remove the ones you no longer use.')}
      </p>
      <Show when={props.engine?.lists.own().kind === 'pending'}>
        <p class="banner banner-warn" role="status">
          {t('This device is not approved yet. Approve it from another of your devices, or enter your recovery code (Settings → Security → Key backup).')}
        </p>
      </Show>
      <ul class="session-list" data-testid="devices">
        <For each={devices()}>
          {(d) => (
            <li data-device={d.deviceId}>
              <div>
                <strong>{d.name}</strong> {d.deviceId === props.engine?.deviceId && <span class="trust-badge">{t('This device')}</span>}{' '}
                <Show when={d.listed === false}>
                  <span class="trust-badge trust-changed">{t('Not approved')}</span>
                </Show>
                <Show when={d.listed === true}>
                  <span class="trust-badge trust-verified">{t('Approved')}</span>
                </Show>
                <div class="muted small-text">{t('Added {when}', { when: when().format(d.createdAt) })}</div>
              </div>
              <Show when={d.listed === false && canApprove()}>
                <button type="button" class="small primary" onClick={() => approve(d)} disabled={action.busy()} aria-label={t('Approve device {name}', { name: d.name })}>
                  {t('Approve')}
                </button>
              </Show>
              <Show when={props.engine && d.deviceId !== props.engine.deviceId}>
                <button type="button" class="small" onClick={() => remove(d.deviceId)} disabled={action.busy()} aria-label={t('Remove device {name}', { name: d.name })}>
                  {t('Remove')}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <p class="error" role="alert">
        {action.error()}
      </p>
      <p role="status">{action.done()}</p>
    </section>
  );
}
