/**
 * The application shell. For now it shows which server this is and whether it is healthy;
 * the accounts and chat screens arrive with the web client issue.
 */
import { createResource, Show } from 'solid-js';
import type { HealthResponse } from '../../protocol/http';

async function fetchHealth(): Promise<HealthResponse> {
  const res = await fetch('/api/health');
  if (!res.ok) throw new Error(`server answered ${res.status}`);
  return (await res.json()) as HealthResponse;
}

export function App() {
  const [health] = createResource(fetchHealth);
  return (
    <main class="shell">
      <h1>Chatalot</h1>
      <p>Self-hosted chat whose server relays ciphertext it cannot read.</p>
      <Show when={health()} fallback={<p role="status">{health.error ? 'The server is not answering.' : 'Connecting…'}</p>}>
        {(h) => (
          <p role="status" data-testid="health">
            Server {h().version} is {h().status}, storing accounts in {h().storage}.
          </p>
        )}
      </Show>
    </main>
  );
}
