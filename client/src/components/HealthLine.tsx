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
  // A failed read is null, not a resource error: reading an errored resource throws, so a health
  // check cut short (a reload while it was on its way) surfaced as an uncaught "Failed to fetch"
  // and never showed the line below (a CI run of the PWA test caught it).
  const [health] = createResource(() => fetchHealth().catch(() => null));
  return (
    <Show when={health()} fallback={<p class="health" role="status">{health() === null ? t('The server is not answering.') : t('Connecting…')}</p>}>
      {(h) => (
        <p class="health" role="status" data-testid="health">
          {t('Server {version} is {status}, storing accounts in {storage}.', { version: h().version, status: h().status, storage: h().storage })}
        </p>
      )}
    </Show>
  );
}

