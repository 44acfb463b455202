/**
 * The application shell: resumes a stored session, then shows the account screens or the chat.
 * The chat screen (and with it the crypto library) is loaded only after sign-in.
 */
import { t } from './i18n';
import { createResource, lazy, Match, onMount, Show, Suspense, Switch, createSignal } from 'solid-js';
import { getAuthConfig } from './api/auth';
import { route } from './router';
import { boot, user } from './stores/session';
import { JoinScreen, LoginScreen, RecoverScreen, RegisterScreen } from './routes/AuthScreens';
import { UpdatePrompt } from './components/UpdatePrompt';

// The chunk's module code runs in one task and the screen is drawn in the next: one long task of
// both held a phone's main thread twice as long. (Reverted once on suspicion of losing a
// newcomer's first message; that was the composer's draft effect, fixed in bed0e9f.)
const ChatScreen = lazy(() => import('./routes/ChatScreen').then((m) => new Promise<typeof m>((resolve) => setTimeout(() => resolve(m), 0))));

export function App() {
  const [booted, setBooted] = createSignal(false);
  const [config, { refetch }] = createResource(() => getAuthConfig().catch(() => null));
  onMount(async () => {
    await boot();
    setBooted(true);
  });
  const authRoute = () => {
    const r = route();
    const cfg = config();
    if (cfg?.needsSetup) return 'setup';
    return r.name === 'register' ? 'register' : r.name === 'recover' ? 'recover' : r.name === 'join' ? 'join' : 'login';
  };
  return (
    <>
    <UpdatePrompt />
    <Show when={booted() && !config.loading} fallback={<p class="boot" role="status">{t('Loading Chatalot…')}</p>}>
      <Show
        when={user()}
        fallback={
          <Switch>
            <Match when={authRoute() === 'setup'}>
              <RegisterScreen mode="setup" config={config() ?? null} onDone={() => void refetch()} />
            </Match>
            <Match when={authRoute() === 'register'}>
              <RegisterScreen mode="register" config={config() ?? null} onDone={() => void refetch()} />
            </Match>
            <Match when={authRoute() === 'join'}>
              <JoinScreen code={(route() as { code: string }).code} config={config() ?? null} onDone={() => void refetch()} />
            </Match>
            <Match when={authRoute() === 'recover'}>
              <RecoverScreen />
            </Match>
            <Match when={authRoute() === 'login'}>
              <LoginScreen config={config() ?? null} />
            </Match>
          </Switch>
        }
      >
        <Suspense fallback={<p class="boot" role="status">{t('Opening your conversations…')}</p>}>
          <ChatScreen />
        </Suspense>
      </Show>
    </Show>
    </>
  );
}
