/** "A new version is available": shown when an updated service worker is waiting; Reload switches to it. */
import { t } from '../i18n';
import { Show } from 'solid-js';
import { applyUpdate, updateReady } from '../pwa/register';

export function UpdatePrompt() {
  return (
    <Show when={updateReady()}>
      <div class="update-prompt" role="status">
        <span>{t('A new version of Chatalot is available.')}</span>
        <button type="button" class="primary small" onClick={applyUpdate}>
          {t('Reload')}
        </button>
      </div>
    </Show>
  );
}
