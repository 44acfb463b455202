/** The server's health line under the account screens (the shell test reads it). */
import { t } from '../i18n';
import { createResource, Show } from 'solid-js';
import type { HealthResponse } from '../../../protocol/http';

async function fetchHealth(): Promise<HealthResponse> {
  const res = await fetch('/api/health');
  if (!res.ok) throw new Error(`server answered ${res.status}`);
  return (await res.json()) as HealthResponse;
}

export function HealthLine() {
  const [health] = createResource(fetchHealth);
  return (
    <Show when={health()} fallback={<p class="health" role="status">{health.error ? t('The server is not answering.') : t('Connecting…')}</p>}>
      {(h) => (
        <p class="health" role="status" data-testid="health">
          {t('Server {version} is {status}, storing accounts in {storage}.', { version: h().version, status: h().status, storage: h().storage })}
        </p>
      )}
    </Show>
  );
}

