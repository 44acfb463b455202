/**
 * The account screens: first-run setup (the first account becomes the instance owner), register
 * (with the invite code field when the instance is invite-only), the recovery code shown once,
 * and login with the TOTP step. The recovery code is generated here, in the browser; only the
 * reset verifier derived from it is sent (docs/crypto.md, "Recovery code and key backup").
 */
import { errorText } from '../api/errorText';
import { createSignal, Show, type JSX } from 'solid-js';
import { recover, register, login, type AuthConfig, type AuthResponse } from '../api/auth';
import { ApiRequestError } from '../api/http';
import { afterSignIn, navigate, route } from '../router';
import { signIn } from '../stores/session';
import { HealthLine } from '../components/HealthLine';
import { t } from '../i18n';
import { InvitePreviewCard } from '../components/InvitePreview';
import type { InvitePreview } from '../api/communities';
import { RECOVERY_SAVED_KEY } from '../stores/checklist';
import { instanceProfile } from '../stores/instance';
import { imageUrl } from '../api/images';
import { LegalLinks } from './LegalScreens';

/** A short, non-identifying name for this device as the sessions and device lists show it. */
export function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\/|Chromium\//.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'unknown OS';
  return `${browser} on ${os}`;
}

/** Same normalisation as the server's usernames (NFKC, trimmed, lower case): the recovery salt. */
/** The form of a username the recovery keys are derived from (the server compares usernames the same way). */
export const normalizeUsername = (s: string) => s.normalize('NFKC').trim().toLowerCase();

/** A refusal in the language on screen (api/errorText.ts). */
const message = (e: unknown) => errorText(e);

function AuthFrame(props: { title: string; lead?: JSX.Element; children: JSX.Element }) {
  return (
    <main class="auth">
      <div class="auth-card">
        <p class="brand" aria-hidden="true">
          <Show when={instanceProfile().iconId}>{(id) => <img class="brand-icon" src={imageUrl(id())} alt="" width="32" height="32" />}</Show>
          {instanceProfile().name}
        </p>
        {props.lead}
        <h1>{props.title}</h1>
        {props.children}
      </div>
      <HealthLine />
    </main>
  );
}

function pendingJoinNote() {
  const r = route();
  if (r.name === 'join') sessionStorage.setItem('chatalot.pendingJoin', r.code);
  return r.name === 'join' || sessionStorage.getItem('chatalot.pendingJoin') ? <p class="note">{t('Sign in or create an account to join the community you were invited to.')}</p> : null;
}

export function LoginScreen(props: { config: AuthConfig | null; lead?: JSX.Element; onRegister?: () => void }) {
  const [username, setUsername] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [code, setCode] = createSignal('');
  const [needCode, setNeedCode] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await login({ username: username(), password: password(), deviceName: deviceName(), ...(needCode() ? { code: code().trim() } : {}) });
      await signIn(r);
      afterSignIn();
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 'totp_required') {
        setNeedCode(true);
        setError(null);
      } else setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthFrame title={needCode() ? t('Two-factor code') : t('Sign in')} lead={props.lead}>
      {props.lead ? null : pendingJoinNote()}
      <form onSubmit={submit} aria-describedby="login-error">
        <Show when={!needCode()}>
          <label>
            {t('Username')}
            <input name="username" autocomplete="username" required value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
          </label>
          <label>
            {t('Password')}
            <input name="password" type="password" autocomplete="current-password" required value={password()} onInput={(e) => setPassword(e.currentTarget.value)} />
          </label>
        </Show>
        <Show when={needCode()}>
          <p>{t('Enter the 6-digit code from your authenticator app, or one of your backup codes.')}</p>
          <label>
            {t('Code')}
            <input name="code" autocomplete="one-time-code" inputmode="text" required value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
        </Show>
        <p id="login-error" class="error" role="alert">
          {error()}
        </p>
        <button type="submit" class="primary" disabled={busy()}>
          {busy() ? t('Signing in…') : t('Sign in')}
        </button>
      </form>
      <p class="switch">
        <a href="#/recover">{t('Forgot your password?')}</a>
      </p>
      <Show when={props.onRegister}>
        <p class="switch">
          {t('No account?')}{' '}
          <button type="button" class="link-button" onClick={() => props.onRegister?.()}>
            {t('Create one and join')}
          </button>
        </p>
      </Show>
      <Show when={!props.lead && props.config?.registrationMode !== 'closed'}>
        <p class="switch">
          {t('No account?')} <a href="#/register">{t('Create one')}</a>
        </p>
      </Show>
      <p class="note join-hint" data-testid="join-hint">
        {joinHint(props.config?.registrationMode)}
      </p>
    </AuthFrame>
  );
}

/**
 * Password reset with the recovery code: the code never leaves the browser; the server gets the
 * verifier derived from it and, for next time, the verifier of a fresh code shown once here.
 */
export function RecoverScreen() {
  const [username, setUsername] = createSignal('');
  const [code, setCode] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [confirm, setConfirm] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [secondFactor, setSecondFactor] = createSignal('');
  const [done, setDone] = createSignal<{ response: AuthResponse; code: string; backupKeys: { current: Uint8Array; previous: Uint8Array } } | null>(null);
  const [saved, setSaved] = createSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password() !== confirm()) return setError(t('The two passwords are not the same.'));
    setBusy(true);
    try {
      const rc = await import('../crypto/recoveryCode');
      const { systemRng } = await import('../crypto/primitives');
      const { toBase64Url } = await import('../e2ee/base64');
      const account = normalizeUsername(username());
      let old: { passwordResetVerifier: Uint8Array; backupKey: Uint8Array };
      try {
        old = rc.deriveRecoveryKeys(code().trim().toUpperCase(), account);
      } catch {
        throw new Error(t('That is not a recovery code: it has 32 letters and digits in groups of four.'));
      }
      const next = rc.generateRecoveryCode(systemRng);
      const nextKeys = rc.deriveRecoveryKeys(next, account);
      const response = await recover({ username: username(), recoveryVerifier: toBase64Url(old.passwordResetVerifier), newPassword: password(), nextRecoveryVerifier: toBase64Url(nextKeys.passwordResetVerifier), ...(secondFactor().trim() ? { code: secondFactor().trim() } : {}) });
      // This device keeps the key backup from now on: the old code's key opens the stored backup
      // once (restoring history here), then it is re-encrypted under the new code.
      setDone({ response, code: next, backupKeys: { current: nextKeys.backupKey, previous: old.backupKey } });
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show
      when={done()}
      fallback={
        <AuthFrame title={t('Reset your password')}>
          <p>{t('Enter the recovery code you saved when you created your account. Your other sessions will be signed out.')}</p>
          <form onSubmit={submit}>
            <label>
              {t('Username')}
              <input name="username" autocomplete="username" required value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
            </label>
            <label>
              {t('Recovery code')}
              <input name="recoveryCode" autocomplete="off" spellcheck={false} required value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
            </label>
            <label>
              {t('Authenticator or backup code (only if two-factor authentication is on)')}
              <input name="code" autocomplete="one-time-code" spellcheck={false} value={secondFactor()} onInput={(e) => setSecondFactor(e.currentTarget.value)} />
            </label>
            <label>
              {t('New password')}
              <input name="password" type="password" autocomplete="new-password" required value={password()} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            <label>
              {t('Repeat new password')}
              <input name="confirm" type="password" autocomplete="new-password" required value={confirm()} onInput={(e) => setConfirm(e.currentTarget.value)} />
            </label>
            <p class="error" role="alert">
              {error()}
            </p>
            <button type="submit" class="primary" disabled={busy()}>
              {busy() ? t('Resetting…') : t('Reset password')}
            </button>
          </form>
          <p class="switch">
            <a href="#/login">{t('Back to sign in')}</a>
          </p>
        </AuthFrame>
      }
    >
      {(d) => (
        <AuthFrame title={t('Your new recovery code')}>
          <p>{t('Your password is reset. The old recovery code no longer works; this one replaces it. It is shown only now.')}</p>
          <p class="recovery-code" data-testid="recovery-code" aria-label={t('Recovery code')}>
            {d().code}
          </p>
          <label class="check">
            <input type="checkbox" name="saved" checked={saved()} onChange={(e) => setSaved(e.currentTarget.checked)} />{t('I saved my recovery code')}
          </label>
          <button type="button" class="primary" disabled={!saved()} onClick={() => (localStorage.setItem(RECOVERY_SAVED_KEY(d().response.user.id), '1'), void signIn(d().response, d().backupKeys).then(afterSignIn))}>
            {t('Continue')}
          </button>
        </AuthFrame>
      )}
    </Show>
  );
}

/** How people get an account on this instance, in one sentence for the mode it runs in. */
export function joinHint(mode: AuthConfig['registrationMode'] | undefined): string {
  if (mode === 'open') return t('Anyone can create an account on this instance.');
  if (mode === 'closed') return t('Registration is closed on this instance; only existing accounts can sign in.');
  return t('Creating an account here needs an invite link from someone on this instance.');
}

/**
 * An invite link opened while signed out: what it leads to, then registration with the invite
 * already in it (when it admits new accounts here) or sign-in; either way the user ends up in the
 * community (registration joins it at once; after sign-in the join page takes over).
 */
export function JoinScreen(props: { code: string; config: AuthConfig | null; onDone: () => void }) {
  sessionStorage.setItem('chatalot.pendingJoin', props.code);
  const [preview, setPreview] = createSignal<InvitePreview | null | undefined>(undefined);
  const [signingIn, setSigningIn] = createSignal(false);
  const lead = () => <InvitePreviewCard code={props.code} onLoaded={setPreview} />;
  const canRegister = () => preview()?.state === 'active' && preview()?.newAccounts === true;
  return (
    <Show when={preview() !== undefined} fallback={<AuthFrame title={t('Invitation')} lead={lead()}>{null}</AuthFrame>}>
      <Show when={canRegister() && !signingIn()} fallback={<LoginScreen config={props.config} lead={lead()} onRegister={canRegister() ? () => setSigningIn(false) : undefined} />}>
        <RegisterScreen mode="register" config={props.config} onDone={props.onDone} inviteCode={props.code} lead={lead()} onSignIn={() => setSigningIn(true)} />
      </Show>
    </Show>
  );
}

export function RegisterScreen(props: { mode: 'setup' | 'register'; config: AuthConfig | null; onDone: () => void; inviteCode?: string; lead?: JSX.Element; onSignIn?: () => void }) {
  const [username, setUsername] = createSignal('');
  const [displayName, setDisplayName] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [confirm, setConfirm] = createSignal('');
  const [invite, setInvite] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [done, setDone] = createSignal<{ response: AuthResponse; code: string; backupKey: Uint8Array } | null>(null);
  const [saved, setSaved] = createSignal(false);
  const [accepted, setAccepted] = createSignal(false);
  const needsInvite = () => props.mode === 'register' && props.config?.registrationMode === 'invite_only' && !props.inviteCode;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password() !== confirm()) return setError(t('The two passwords are not the same.'));
    setBusy(true);
    try {
      const rc = await import('../crypto/recoveryCode');
      const { systemRng } = await import('../crypto/primitives');
      const { toBase64Url } = await import('../e2ee/base64');
      const code = rc.generateRecoveryCode(systemRng);
      const keys = rc.deriveRecoveryKeys(code, normalizeUsername(username()));
      const verifier = toBase64Url(keys.passwordResetVerifier);
      const response = await register({
        username: username(),
        password: password(),
        recoveryVerifier: verifier,
        deviceName: deviceName(),
        acceptTerms: props.config?.legalVersion ?? 1,
        ...(displayName().trim() ? { displayName: displayName().trim() } : {}),
        ...(props.inviteCode ? { inviteCode: props.inviteCode } : needsInvite() && invite().trim() ? { inviteCode: invite().trim() } : {}),
      });
      setDone({ response, code, backupKey: keys.backupKey });
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    const d = done();
    if (!d || !saved()) return;
    localStorage.setItem(RECOVERY_SAVED_KEY(d.response.user.id), '1');
    await signIn(d.response, { current: d.backupKey });
    props.onDone();
    // Registered with a community invite: already a member, so straight into the community.
    if (d.response.joinedCommunityId) {
      sessionStorage.removeItem('chatalot.pendingJoin');
      navigate(`/c/${d.response.joinedCommunityId}`, true);
    } else afterSignIn();
  };

  return (
    <Show
      when={done()}
      fallback={
        <AuthFrame title={props.mode === 'setup' ? t('Set up this instance') : props.inviteCode ? t('Create your account to join') : t('Create your account')} lead={props.lead}>
          <Show when={props.mode === 'setup'}>
            <p class="note">{t('This instance has no accounts yet. The account you create now becomes its owner.')}</p>
          </Show>
          {props.mode === 'register' && !props.lead ? pendingJoinNote() : null}
          <Show when={props.mode === 'register' && props.config?.registrationMode === 'closed'}>
            <p class="note">{t('Registration is closed on this instance.')}</p>
          </Show>
          <form onSubmit={submit}>
            <label>
              {t('Username')}
              <input name="username" autocomplete="username" required maxLength={64} value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
            </label>
            <label>
              {t('Display name')} <span class="optional">{t('(optional)')}</span>
              <input name="displayName" autocomplete="nickname" maxLength={200} value={displayName()} onInput={(e) => setDisplayName(e.currentTarget.value)} />
            </label>
            <label>
              {t('Password')}
              <input name="password" type="password" autocomplete="new-password" required value={password()} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            <label>
              {t('Repeat password')}
              <input name="confirm" type="password" autocomplete="new-password" required value={confirm()} onInput={(e) => setConfirm(e.currentTarget.value)} />
            </label>
            <Show when={needsInvite()}>
              <label>
                {t('Invite code')}
                <input name="inviteCode" required value={invite()} onInput={(e) => setInvite(e.currentTarget.value)} />
              </label>
            </Show>
            <label class="check">
              <input type="checkbox" name="acceptTerms" required checked={accepted()} onChange={(e) => setAccepted(e.currentTarget.checked)} />
              <span>
                {t('I accept the')} <LegalLinks />
              </span>
            </label>
            <p class="error" role="alert">
              {error()}
            </p>
            <button type="submit" class="primary" disabled={busy()}>
              {busy() ? t('Creating…') : props.mode === 'setup' ? t('Create owner account') : t('Create account')}
            </button>
          </form>
          <Show when={props.mode === 'register'}>
            <p class="switch">
              {t('Have an account?')}{' '}
              <Show when={props.onSignIn} fallback={<a href="#/login">{t('Sign in')}</a>}>
                <button type="button" class="link-button" onClick={() => props.onSignIn?.()}>
                  {t('Sign in to join')}
                </button>
              </Show>
            </p>
            <Show when={!props.inviteCode}>
              <p class="note join-hint">{joinHint(props.config?.registrationMode)}</p>
            </Show>
          </Show>
        </AuthFrame>
      }
    >
      {(d) => (
        <AuthFrame title={t('Your recovery code')}>
          <p>
            {t('Write this code down and keep it somewhere safe. It is the only way to reset your password and to unlock your encrypted key backup. It is shown only now; the server never sees it.')}
          </p>
          <p class="recovery-code" data-testid="recovery-code" aria-label={t('Recovery code')}>
            {d().code}
          </p>
          <label class="check">
            <input type="checkbox" name="saved" checked={saved()} onChange={(e) => setSaved(e.currentTarget.checked)} />{t('I saved my recovery code')}
          </label>
          <button type="button" class="primary" disabled={!saved()} onClick={() => void finish()}>
            {t('Continue')}
          </button>
        </AuthFrame>
      )}
    </Show>
  );
}
