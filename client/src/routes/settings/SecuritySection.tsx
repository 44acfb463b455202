/**
 * Settings → security: two-factor authentication (QR code, confirm, eight backup codes shown
 * once; turning it off), changing the password, a new recovery code, and deleting the account.
 * The recovery code is made here in the browser, like at registration; the server only ever
 * receives the verifier derived from it.
 */
import { t } from '../../i18n';
import { createSignal, For, Show } from 'solid-js';
import { renderSVG } from 'uqr';
import { RECOVERY_SAVED_KEY } from '../../stores/checklist';
import { changePassword, deleteAccount, regenerateRecovery, totpDisable, totpEnable, totpEnroll } from '../../api/account';
import { getMe } from '../../api/auth';
import { keyBackupStatus } from '../../api/keys';
import { signOut, updateUser, user } from '../../stores/session';
import { normalizeUsername } from '../AuthScreens';
import { createAction } from './form';
import { KeyBackupCard } from '../../components/KeyBackup';
import type { Engine } from '../../e2ee/Engine';

const qrSrc = (text: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(text, { border: 2 }))}`;

function TwoFactor() {
  const [enrolment, setEnrolment] = createSignal<{ secret: string; otpauthUri: string } | null>(null);
  const [backupCodes, setBackupCodes] = createSignal<string[] | null>(null);
  const [code, setCode] = createSignal('');
  const [password, setPassword] = createSignal('');
  const action = createAction();
  const refresh = async () => updateUser(await getMe());

  // Turning 2FA on asks for the password first (and again with the code), so a stolen session
  // alone cannot put the account behind someone else's authenticator.
  const start = (e: Event) => {
    e.preventDefault();
    void action.run(async () => void setEnrolment(await totpEnroll(password())));
  };
  const confirm = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const { backupCodes } = await totpEnable(code().trim(), password());
      setBackupCodes(backupCodes);
      setEnrolment(null);
      setCode('');
      setPassword('');
    });
  };
  const disable = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await totpDisable(code().trim(), password());
      setCode('');
      setPassword('');
      await refresh();
      return t('Two-factor authentication is off. Your other sessions were signed out.');
    });
  };

  return (
    <section class="settings-card" aria-labelledby="tfa-title">
      <h3 id="tfa-title">{t('Two-factor authentication')}</h3>
      <Show when={backupCodes()}>
        <div class="note" role="status">
          <p>
            <strong>{t('Two-factor authentication is on.')}</strong> {t('These backup codes each work once, if you lose your authenticator. They are shown only now: store them somewhere safe.')}
          </p>
          <ol class="backup-codes" data-testid="backup-codes">
            <For each={backupCodes()}>{(c) => <li>{c}</li>}</For>
          </ol>
          <button type="button" class="primary" onClick={() => (setBackupCodes(null), void refresh())}>
            {t('I saved my backup codes')}
          </button>
        </div>
      </Show>
      <Show when={!backupCodes()}>
        <Show
          when={user()?.totpEnabled}
          fallback={
            <Show
              when={enrolment()}
              fallback={
                <form onSubmit={start}>
                  <p>{t('Ask for a code from an authenticator app on your phone whenever you sign in. Confirm with your password to begin.')}</p>
                  <label>
                    {t('Password')}
                    <input type="password" autocomplete="current-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required />
                  </label>
                  <button type="submit" class="primary" disabled={action.busy()}>
                    {t('Turn on two-factor authentication')}
                  </button>
                </form>
              }
            >
              <form onSubmit={confirm}>
                <p>{t('Scan this code with your authenticator app, or type the key by hand. Then enter the 6-digit code it shows.')}</p>
                <img class="totp-qr" src={qrSrc(enrolment()!.otpauthUri)} alt={t('QR code for your authenticator app')} width="180" height="180" />
                <p>
                  {t('Key:')} <code data-testid="totp-secret">{enrolment()!.secret}</code>
                </p>
                <label>
                  {t('Code from the app')}
                  <input inputmode="numeric" autocomplete="one-time-code" value={code()} onInput={(e) => setCode(e.currentTarget.value)} required />
                </label>
                <button type="submit" class="primary" disabled={action.busy()}>
                  {t('Confirm and turn on')}
                </button>
              </form>
            </Show>
          }
        >
          <form onSubmit={disable}>
            <p>
              <strong>{t('On.')}</strong> {t('To turn it off, confirm with your password and a code (or a backup code).')}
            </p>
            <label>
              {t('Password')}
              <input type="password" autocomplete="current-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required />
            </label>
            <label>
              {t('Code or backup code')}
              <input autocomplete="one-time-code" value={code()} onInput={(e) => setCode(e.currentTarget.value)} required />
            </label>
            <button type="submit" disabled={action.busy()}>
              {t('Turn off two-factor authentication')}
            </button>
          </form>
        </Show>
      </Show>
      <p class="error" role="alert">{action.error()}</p>
      <Show when={action.done()}>
        <p role="status">{action.done()}</p>
      </Show>
    </section>
  );
}

function PasswordChange() {
  const [current, setCurrent] = createSignal('');
  const [next, setNext] = createSignal('');
  const [repeat, setRepeat] = createSignal('');
  const action = createAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (next() !== repeat()) throw new Error(t('The two new passwords are not the same.'));
      const { endedSessions } = await changePassword(current(), next());
      setCurrent('');
      setNext('');
      setRepeat('');
      return endedSessions > 0 ? t('Password changed. {count} other sessions were signed out.', { count: endedSessions }) : t('Password changed.');
    });
  };
  return (
    <form class="settings-card" onSubmit={submit} aria-labelledby="password-title">
      <h3 id="password-title">{t('Password')}</h3>
      <label>
        {t('Current password')}
        <input type="password" autocomplete="current-password" value={current()} onInput={(e) => setCurrent(e.currentTarget.value)} required />
      </label>
      <label>
        {t('New password')}
        <input type="password" autocomplete="new-password" minLength={8} value={next()} onInput={(e) => setNext(e.currentTarget.value)} required />
      </label>
      <label>
        {t('Repeat new password')}
        <input type="password" autocomplete="new-password" value={repeat()} onInput={(e) => setRepeat(e.currentTarget.value)} required />
      </label>
      <p class="error" role="alert">{action.error()}</p>
      <Show when={action.done()}>
        <p role="status">{action.done()}</p>
      </Show>
      <button type="submit" class="primary" disabled={action.busy()}>
        {t('Change password')}
      </button>
    </form>
  );
}

function RecoveryCode(props: { engine: Engine | undefined }) {
  const [password, setPassword] = createSignal('');
  const [code, setCode] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const action = createAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      // Only a device that keeps the key backup can re-encrypt it under the new code. Elsewhere
      // the backup would stay under the old code, which would then open nothing it could reset.
      const engine = props.engine;
      if (engine && !engine.backup.enabled) {
        if ((await keyBackupStatus()).exists) {
          throw new Error(t('This device does not keep your key backup, so it cannot move it to a new code. Turn the backup on below with your current code first, or make the new code on a device that keeps it.'));
        }
      }
      const rc = await import('../../crypto/recoveryCode');
      const { systemRng } = await import('../../crypto/primitives');
      const { toBase64Url } = await import('../../e2ee/base64');
      const fresh = rc.generateRecoveryCode(systemRng);
      const keys = rc.deriveRecoveryKeys(fresh, normalizeUsername(user()!.username));
      await regenerateRecovery(password(), toBase64Url(keys.passwordResetVerifier));
      // The key backup moves to the new code at once: the old code no longer opens anything new.
      if (props.engine?.backup.enabled) await props.engine.backup.rekey(keys.backupKey);
      setPassword('');
      setSaved(false);
      setCode(fresh);
    });
  };
  return (
    <section class="settings-card" aria-labelledby="recovery-title">
      <h3 id="recovery-title">{t('Recovery code')}</h3>
      <Show
        when={code()}
        fallback={
          <form onSubmit={submit}>
            <p>{t('The recovery code resets your password if you forget it and opens your key backup on a new device. Making a new one stops the old one from working; this device re-encrypts the backup with the new one.')}</p>
            <label>
              {t('Password')}
              <input type="password" autocomplete="current-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required />
            </label>
            <p class="error" role="alert">{action.error()}</p>
            <button type="submit" disabled={action.busy()}>
              {t('Make a new recovery code')}
            </button>
          </form>
        }
      >
        <div class="note" role="status">
          <p>{t('Your new recovery code. It is shown only now; write it down and keep it somewhere safe.')}</p>
          <p class="recovery-code" data-testid="new-recovery-code">
            {code()}
          </p>
          <label class="check">
            <input type="checkbox" checked={saved()} onChange={(e) => setSaved(e.currentTarget.checked)} /> {t('I saved my new recovery code')}
          </label>
          <button type="button" class="primary" disabled={!saved()} onClick={() => (localStorage.setItem(RECOVERY_SAVED_KEY(user()!.id), '1'), setCode(null))}>
            {t('Done')}
          </button>
        </div>
      </Show>
    </section>
  );
}

function DeleteAccount() {
  const [confirmName, setConfirmName] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [code, setCode] = createSignal('');
  const action = createAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (confirmName().trim() !== user()!.username) throw new Error(t('Type your username exactly to confirm.'));
      await deleteAccount(password(), code().trim() || undefined);
      await signOut();
    });
  };
  return (
    <form class="settings-card danger-zone" onSubmit={submit} aria-labelledby="delete-title">
      <h3 id="delete-title">{t('Delete account')}</h3>
      <p>
        {t("This deletes your account, your devices' keys and your memberships. Messages you sent stay, as ciphertext under an id that no longer names anyone. It cannot be undone.")}
      </p>
      <label>
        {t('Type your username ({username}) to confirm', { username: user()?.username ?? '' })}
        <input value={confirmName()} onInput={(e) => setConfirmName(e.currentTarget.value)} autocomplete="off" required />
      </label>
      <label>
        {t('Password')}
        <input type="password" autocomplete="current-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      <Show when={user()?.totpEnabled}>
        <label>
          {t('Code from your authenticator (or a backup code)')}
          <input autocomplete="one-time-code" value={code()} onInput={(e) => setCode(e.currentTarget.value)} required />
        </label>
      </Show>
      <p class="error" role="alert">{action.error()}</p>
      <button type="submit" class="danger" disabled={action.busy()}>
        {t('Delete my account')}
      </button>
    </form>
  );
}

export function SecuritySection(props: { engine: Engine | undefined }) {
  return (
    <>
      <TwoFactor />
      <PasswordChange />
      <RecoveryCode engine={props.engine} />
      <KeyBackupCard engine={props.engine} />
      <DeleteAccount />
    </>
  );
}
