/**
 * Settings → devices: every device that holds keys for this account — its name, when it was
 * added, which one this is — and removing the others (the server deletes its keys and closes its
 * sockets; people you talk to stop encrypting to it).
 */
import { createResource, For, Show } from 'solid-js';
import { listOwnDevices, removeDevice } from '../../api/keys';
import type { Engine } from '../../e2ee/Engine';
import { createAction } from './form';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function DevicesSection(props: { engine: Engine | undefined }) {
  const [devices, { refetch }] = createResource(async () => (await listOwnDevices()).devices);
  const action = createAction();
  const remove = (id: string) => void action.run(async () => (await removeDevice(id), void refetch()));
  return (
    <section class="settings-card" aria-labelledby="devices-title">
      <h3 id="devices-title">Devices</h3>
      <p>Each device has its own keys. Messages are encrypted to every device listed here; remove the ones you no longer use.</p>
      <ul class="session-list" data-testid="devices">
        <For each={devices()}>
          {(d) => (
            <li>
              <div>
                <strong>{d.name}</strong> {d.deviceId === props.engine?.deviceId && <span class="trust-badge">This device</span>}
                <div class="muted small-text">Added {when.format(d.createdAt)}</div>
              </div>
              <Show when={props.engine && d.deviceId !== props.engine.deviceId}>
                <button type="button" class="small" onClick={() => remove(d.deviceId)} disabled={action.busy()} aria-label={`Remove device ${d.name}`}>
                  Remove
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <p class="error" role="alert">{action.error()}</p>
    </section>
  );
}
