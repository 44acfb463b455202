/**
 * Verify a contact: for each of their devices, the safety number of both identity keys — twelve
 * groups of five digits, the same on both phones — and a QR code of it, with t('Mark as verified').
 * Comparing them in person or over a call you trust proves no one (the server included) swapped
 * a key in between. A key that changed since it was first seen is shown as such until accepted.
 */
import { msg, t } from '../i18n';
import { createResource, For, Show } from 'solid-js';
import { renderSVG } from 'uqr';
import { formatSafetyNumber, safetyNumberQrPayload } from '../crypto';
import type { Engine } from '../e2ee/Engine';
import { toBase64 } from '../e2ee/base64';
import { fromBase64 } from '../e2ee/base64';
import { Avatar } from '../components/Avatar';
import { imageUrl } from '../api/images';
import '../styles/trust.css';

const STATE_TEXT = { verified: msg('Verified'), unverified: msg('Not verified yet'), changed: msg('Key changed') } as const;

/** The QR code as an image: rendered locally from our own bytes, never from anything a server sent as markup. */
function qrImage(payload: Uint8Array): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(`chatalot-sn:${toBase64(payload)}`, { border: 2 }))}`;
}

/** What the page shows of the person above their safety numbers: what their co-members see of them anyway. */
export interface PersonProfile {
  name: string;
  avatarId: string | null;
  bannerId: string | null;
  status: string | null;
}

export default function VerifyScreen(props: { userId: string; engine: Engine | undefined; nameOf: (id: string) => string; profileOf?: (id: string) => PersonProfile }) {
  const [rows, { refetch }] = createResource(
    () => (props.engine ? { engine: props.engine, userId: props.userId } : null),
    ({ engine, userId }) => engine.verification(userId),
  );
  const name = () => props.nameOf(props.userId);
  const act = async (fn: () => Promise<void>) => {
    await fn();
    await refetch();
  };

  return (
    <section class="verify" aria-labelledby="verify-title">
      <Show when={props.profileOf?.(props.userId)}>
        {(person) => (
          <div class="person-head" data-testid="person-head">
            <Show when={person().bannerId}>{(id) => <img class="person-banner" data-testid="person-banner" src={imageUrl(id())} alt="" width="960" height="320" />}</Show>
            <div class="person-id">
              <Avatar id={props.userId} name={person().name} size="large" image={person().avatarId} />
              <div>
                <p class="person-name">{person().name}</p>
                <Show when={person().status}>
                  <p class="person-status">{person().status}</p>
                </Show>
              </div>
            </div>
          </div>
        )}
      </Show>
      <h2 id="verify-title">{t('Verify {name}', { name: name() })}</h2>
      <p>
        {t("Compare these numbers with {name}, in person or on a call you trust: open this screen on both devices. If every digit matches, your messages can only be read by {name}'s devices and yours — not by the server or anyone who controls it.", { name: name() })}
      </p>
      <Show when={!rows.loading} fallback={<p role="status">{t('Computing safety numbers…')}</p>}>
        <Show when={!rows.error} fallback={<p class="banner banner-bad" role="alert">{t("Could not load {name}'s keys: {reason}", { name: name(), reason: String((rows.error as Error)?.message ?? rows.error) })}</p>}>
          <Show when={(rows() ?? []).length > 0} fallback={<p class="muted">{t('{name} has no devices with keys yet.', { name: name() })}</p>}>
            <ul class="verify-devices">
              <For each={rows()}>
                {(row) => (
                  <li class="verify-device" data-state={row.record.state}>
                    <h3>
                      {t('Device {id}', { id: row.device.deviceId.slice(0, 8) })} <span class={`trust-badge trust-${row.record.state}`}>{t(STATE_TEXT[row.record.state])}</span>
                      <Show when={row.listed === false}>
                        {' '}
                        <span class="trust-badge trust-changed" data-testid="not-listed">
                          {t('Not approved by {name}', { name: name() })}
                        </span>
                      </Show>
                    </h3>
                    <Show when={row.listed === false}>
                      <p class="muted">
                        {t("This device is not on the device list {name}'s account key signed, so nothing is encrypted to it until {name} approves it from another of their devices.", { name: name() })}
                      </p>
                    </Show>
                    <Show when={row.record.state === 'changed'}>
                      <p class="banner banner-warn" role="alert">
                        {t("This device's security key changed since you first saw it. That happens when {name} reinstalls — or when someone is intercepting. Compare the new number before you trust it.", { name: name() })}
                      </p>
                    </Show>
                    <div class="verify-body">
                      <p class="safety-number" data-testid="safety-number" aria-label={t('Safety number: {digits}', { digits: formatSafetyNumber(row.safetyNumber.digits) })}>
                        <For each={formatSafetyNumber(row.safetyNumber.digits).split(' ')}>{(group) => <span>{group}</span>}</For>
                      </p>
                      <img class="safety-qr" src={qrImage(safetyNumberQrPayload(row.safetyNumber))} alt={t('QR code of the safety number with {name}', { name: name() })} width="180" height="180" />
                    </div>
                    <div class="verify-actions">
                      <Show
                        when={row.record.state === 'verified'}
                        fallback={
                          <button type="button" class="primary" onClick={() => void act(() => props.engine!.markVerified(props.userId, row.device.deviceId, fromBase64(row.device.identityKey)))}>
                            {t('Mark as verified')}
                          </button>
                        }
                      >
                        <button type="button" onClick={() => void act(() => props.engine!.clearVerification(props.userId, row.device.deviceId))}>
                          {t('Clear verification')}
                        </button>
                      </Show>
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>
    </section>
  );
}
