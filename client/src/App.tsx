/**
 * The application shell: resumes a stored session, then shows the account screens or the chat.
 * The chat screen (and with it the crypto library) is loaded only after sign-in.
 */
import { t } from './i18n';
import { createEffect, createResource, lazy, Match, onMount, Show, Suspense, Switch, createSignal } from 'solid-js';
import { getAuthConfig } from './api/auth';
import { route } from './router';
import { boot, user } from './stores/session';
import { JoinScreen, LoginScreen, RecoverScreen, RegisterScreen } from './routes/AuthScreens';
import { UpdatePrompt } from './components/UpdatePrompt';
import { InsecureContextBanner } from './components/InsecureContextBanner';
import { LegalScreen, TermsPrompt } from './routes/LegalScreens';
import { setInstanceProfile } from './stores/instance';
import { ScreenFailure } from './components/ScreenFailure';

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
  const legalRoute = () => {
    const r = route();
    return r.name === 'legal' ? r.doc : null;
  };
  /** The version of the terms this signed-in account still has to accept (they changed since), else null. */
  const termsBehind = () => {
    const current = config()?.legalVersion;
    const accepted = user()?.termsVersion ?? 0;
    return current !== undefined && accepted < current ? current : null;
  };
  // The instance's name in the title bar (Settings → Instance).
  createEffect(() => {
    const instance = config()?.instance;
    if (!instance) return;
    setInstanceProfile(instance);
    document.title = instance.name;
  });
  return (
    <>
    <UpdatePrompt />
    <InsecureContextBanner />
    <Show when={booted() && !config.loading} fallback={<p class="boot" role="status">{t('Loading Chatalot…')}</p>}>
      <Show when={legalRoute()} fallback={
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
        <Show when={termsBehind()} fallback={
          <ScreenFailure>
            <Suspense fallback={<p class="boot" role="status">{t('Opening your conversations…')}</p>}>
              <ChatScreen />
            </Suspense>
          </ScreenFailure>
        }>
          {(version) => <TermsPrompt version={version()} />}
        </Show>
      </Show>
      }>
        {(doc) => <LegalScreen doc={doc()} />}
      </Show>
    </Show>
    </>
  );
}
