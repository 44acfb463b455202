/**
 * Settings → Your data (issue #19 item 6): what the server holds about the account, downloaded
 * from it as JSON, and the message history this device has decrypted, built here as JSON or as a
 * readable web page (the server has only ciphertext). Deleting the account is in Security.
 */
import { Show } from 'solid-js';
import { t } from '../../i18n';
import { apiBytes } from '../../api/http';
import { deviceDb } from '../../stores/DeviceDb';
import { DIRECTORY_KEY, type PushDirectory } from '../../stores/pushDirectory';
import type { MessageRecord } from '../../stores/ChannelSession';
import { buildExport, exportHtml } from '../../export/messageExport';
import { useAction } from '../../components/useSubmit';
import { user } from '../../stores/session';

/** Hands `blob` to the browser as a download named `name`. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function deviceMessages() {
  const db = await deviceDb();
  const entries = await db.entries<MessageRecord>('messages');
  const directory = await db.get<PushDirectory>('device', DIRECTORY_KEY);
  const conversations = Object.fromEntries(Object.entries(directory?.conversations ?? {}).map(([id, c]) => [id, c.title]));
  return buildExport(
    entries.map(([key, record]) => ({ channelId: String((key as [string, number])[0]), record })),
    { conversations, people: { ...(directory?.people ?? {}), ...(user() ? { [user()!.id]: user()!.displayName || user()!.username } : {}) } },
    Date.now(),
  );
}

export function DataSection() {
  const { error, busy, run } = useAction();
  const name = () => user()?.username ?? 'account';
  const account = () =>
    run(async () => {
      const { bytes } = await apiBytes('/api/me/export');
      save(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/json' }), `chatalot-account-${name()}.json`);
    });
  const messages = (as: 'json' | 'html') =>
    run(async () => {
      const e = await deviceMessages();
      if (as === 'json') return save(new Blob([JSON.stringify(e, null, 2)], { type: 'application/json' }), `chatalot-messages-${name()}.json`);
      const html = exportHtml(e, { title: t('Messages of {name}', { name: name() }), edited: t('edited'), files: t('Files'), webhook: t('webhook, not end-to-end encrypted') });
      save(new Blob([html], { type: 'text/html' }), `chatalot-messages-${name()}.html`);
    });
  return (
    <>
      <section class="settings-card" aria-labelledby="data-account-title">
        <h3 id="data-account-title">{t('Account data')}</h3>
        <p class="hint">{t('Everything this server holds about your account: profile, communities and roles, conversations you are in, sessions, devices, blocks, warnings and your audit log. It holds no message you can read: those are end-to-end encrypted.')}</p>
        <button type="button" class="primary" disabled={busy()} onClick={() => void account()}>
          {t('Download account data')}
        </button>
      </section>
      <section class="settings-card" aria-labelledby="data-messages-title">
        <h3 id="data-messages-title">{t('Messages on this device')}</h3>
        <p class="hint">{t('The messages this device has decrypted, made into a file here: the server cannot read them. Conversations this device never opened are not in it.')}</p>
        <div class="button-row">
          <button type="button" disabled={busy()} onClick={() => void messages('html')}>
            {t('Download as a web page')}
          </button>
          <button type="button" disabled={busy()} onClick={() => void messages('json')}>
            {t('Download as JSON')}
          </button>
        </div>
        <p class="hint">
          {t('To delete your account afterwards, go to')} <a href="#/settings/security">{t('Security')}</a>.
        </p>
      </section>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
    </>
  );
}
