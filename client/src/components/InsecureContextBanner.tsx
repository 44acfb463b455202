/**
 * Said plainly when the app runs outside a secure context (issue #19 item 8): over plain http at
 * any name but localhost, browsers withhold push notifications, installing the app, the microphone
 * and camera (calls) and the fast WebCrypto encryption (the app falls back to a slower one). The
 * person can hide it for this visit; it comes back on the next.
 */
import { createSignal, Show } from 'solid-js';
import { t } from '../i18n';

const KEY = 'chatalot.insecureBannerHidden';

export function InsecureContextBanner() {
  const [hidden, setHidden] = createSignal(sessionStorage.getItem(KEY) === '1');
  const hide = () => (sessionStorage.setItem(KEY, '1'), setHidden(true));
  return (
    <Show when={!window.isSecureContext && !hidden()}>
      <div class="insecure-banner" role="alert" data-testid="insecure-context">
        <p>
          <strong>{t('This connection is not secure.')}</strong>{' '}
          {t('Opened over plain http at {host}, so this browser will not allow push notifications, installing Chatalot as an app, or calls (microphone and camera), and encryption runs slower. Messages stay end-to-end encrypted, but ask whoever runs this server for an https address (README, “HTTPS”).', { host: location.host })}
        </p>
        <button type="button" class="small" onClick={hide}>
          {t('Hide for now')}
        </button>
      </div>
    </Show>
  );
}
