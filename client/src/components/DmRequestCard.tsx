/**
 * A message request: someone whose DMs this user does not take directly (Settings → Privacy)
 * wants to talk. Nothing they send reaches this device until it is accepted; declining blocks
 * them in this conversation, and they are not told (hardening #11.8).
 */
import { errorText } from '../api/errorText';
import { t } from '../i18n';
import { createSignal } from 'solid-js';

export function DmRequestCard(props: { from: string; onAccept: () => Promise<void>; onDecline: () => Promise<void> }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const run = (action: () => Promise<void>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="welcome" data-testid="dm-request">
      <h2>{t('Message request')}</h2>
      <p>
        {t('{name} wants to send you direct messages. You share no community, so they cannot until you accept. They will not see your online status or be told if you decline.', { name: props.from })}
      </p>
      <div class="actions">
        <button type="button" class="primary" disabled={busy()} onClick={run(props.onAccept)}>
          {t('Accept')}
        </button>
        <button type="button" class="danger" disabled={busy()} onClick={run(props.onDecline)}>
          {t('Decline and block')}
        </button>
      </div>
      <p class="error" role="alert">
        {error()}
      </p>
    </div>
  );
}
