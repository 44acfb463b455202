/**
 * A warning over the conversation when a contact's identity key changed since this device first
 * saw it. Until the user reviews it, nothing new is encrypted to the changed device.
 */
import { t } from '../i18n';
import { For, Show } from 'solid-js';
import type { Engine } from '../e2ee/Engine';
import type { TrustState } from '../stores/trust';
import '../styles/trust.css';

export function KeyChangeBanner(props: { engine: Engine | undefined; trust: TrustState | undefined; userIds: string[]; nameOf: (id: string) => string }) {
  const changed = () => (props.trust ? props.userIds.filter((id) => props.trust!.trustOf(id) === 'changed') : []);
  return (
    <Show when={changed().length > 0}>
      <div class="key-change" role="alert" data-testid="key-change-banner">
        <For each={changed()}>
          {(id) => (
            <p>
              <strong>{t("{name}'s security key changed.", { name: props.nameOf(id) })}</strong> {t('They may have reinstalled, or someone may be intercepting. Messages to that device are paused.')}{' '}
              <a href={`#/verify/${id}`}>{t('Compare safety numbers')}</a>{' '}
              <button type="button" class="small" onClick={() => void props.engine?.acceptKeyChange(id)}>
                {t('Accept the new key')}
              </button>
            </p>
          )}
        </For>
      </div>
    </Show>
  );
}
