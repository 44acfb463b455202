/**
 * The key backup in the interface: a banner on a new device offering to restore history from
 * the backup with the recovery code, and the settings card that shows whether this device keeps
 * the backup up to date (and turns it on). The code is turned into the backup key here, in the
 * browser; neither the code nor the key is sent anywhere (client/src/e2ee/BackupSync.ts).
 */
import { errorText } from '../api/errorText';
import { locale, msg, t } from '../i18n';
import { createEffect, createSignal, Match, on, Show, Switch } from 'solid-js';
import type { Engine } from '../e2ee/Engine';
import { user } from '../stores/session';
import { normalizeUsername } from '../routes/AuthScreens';

/** The backup key for `code`, or an error a person can act on. */
export async function backupKeyFor(code: string): Promise<Uint8Array> {
  const rc = await import('../crypto/recoveryCode');
  try {
    return rc.deriveRecoveryKeys(code.trim(), normalizeUsername(user()!.username)).backupKey;
  } catch {
    throw new Error(t('That is not a recovery code: it has 32 letters and digits in groups of four.'));
  }
}

/** A recovery-code field that turns the backup on for this device (merging and restoring what the backup holds). */
function RecoveryCodeForm(props: { engine: Engine; label: string; onDone?: () => void }) {
  const [code, setCode] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.engine.backup.enable(await backupKeyFor(code()));
      setCode('');
      props.onDone?.();
    } catch (err) {
      setError(errorText(err, msg('The backup could not be restored.')));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="backup-form" onSubmit={(e) => void submit(e)}>
      <label>
        {t('Recovery code')}
        <input name="backupRecoveryCode" autocomplete="off" spellcheck={false} required value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
      </label>
      <p class="error" role="alert">
        {error()}
      </p>
      <button type="submit" class="primary" disabled={busy()}>
        {busy() ? t('Restoring…') : props.label}
      </button>
    </form>
  );
}

/** Whether this device could restore the account's key backup (the account has one this device does not keep, or the device awaits approval). */
export function canRestore(engine: Engine | undefined): boolean {
  const s = engine?.backup.status();
  return (s?.kind === 'off' && s.serverHasBackup) || s?.kind === 'stale-key' || engine?.lists.own().kind === 'pending';
}

/** Asked from elsewhere (a message's Restore button): the banner opens its form and takes the focus. */
const [restoreAsked, setRestoreAsked] = createSignal(0);
export const requestRestore = () => setRestoreAsked(restoreAsked() + 1);

/** Over the chat on a device that does not keep the backup while the account has one. */
export function RestoreBanner(props: { engine: Engine | undefined }) {
  const [dismissed, setDismissed] = createSignal(false);
  const [open, setOpen] = createSignal(false);
  const offered = () => !dismissed() && canRestore(props.engine);
  const pending = () => props.engine?.lists.own().kind === 'pending';
  createEffect(
    on(
      restoreAsked,
      () => {
        setDismissed(false);
        setOpen(true);
        requestAnimationFrame(() => document.querySelector<HTMLInputElement>('.restore-banner input[name="backupRecoveryCode"]')?.focus());
      },
      { defer: true },
    ),
  );
  return (
    <Show when={offered() && props.engine}>
      {(engine) => (
        <div class="banner banner-warn restore-banner" role="region" aria-label={t('Key backup')} data-testid="restore-banner">
          <Show
            when={open()}
            fallback={
              <p>
                {engine().backup.status().kind === 'stale-key'
                  ? t('Your recovery code was changed on another device. Enter the new one to keep backing up your keys.')
                  : pending()
                    ? t('This device is not approved yet, so messages are not encrypted to it. Approve it from another of your devices (Settings → Devices), or enter your recovery code to restore your key backup here.')
                    : t('Your earlier messages are in your key backup. Enter your recovery code to read them on this device.')}{' '}
                <button type="button" class="small primary" onClick={() => setOpen(true)}>
                  {t('Restore')}
                </button>{' '}
                <button type="button" class="small" onClick={() => setDismissed(true)}>
                  {t('Not now')}
                </button>
              </p>
            }
          >
            <RecoveryCodeForm engine={engine()} label={t('Restore my messages')} onDone={() => setDismissed(true)} />
          </Show>
        </div>
      )}
    </Show>
  );
}

const timeFormat = () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });

/** Settings → security: what the backup is doing on this device. */
export function KeyBackupCard(props: { engine: Engine | undefined }) {
  const status = () => props.engine?.backup.status();
  return (
    <section class="settings-card" aria-labelledby="backup-title">
      <h3 id="backup-title">{t('Key backup')}</h3>
      <p>
        {t('Your keys are backed up encrypted with your recovery code, so a new device can read your earlier messages. The server stores the backup but cannot open it.')}
      </p>
      <Show when={props.engine} fallback={<p>{t('Encryption is starting…')}</p>}>
        {(engine) => (
          <Switch>
            <Match when={status()?.kind === 'saved'}>
              <p role="status" data-testid="backup-status">
                {t('On for this device.')}{' '}
                {(() => {
                  const s = status();
                  return s?.kind === 'saved' && s.at ? t('Last saved {when}.', { when: timeFormat().format(s.at) }) : t('Nothing to save yet.');
                })()}
              </p>
            </Match>
            <Match when={status()?.kind === 'saving'}>
              <p role="status" data-testid="backup-status">
                {t('Saving…')}
              </p>
            </Match>
            <Match when={status()?.kind === 'error'}>
              <p role="alert" data-testid="backup-status">
                {t('The last backup failed: {reason} It is tried again after the next change.', { reason: (status() as { message: string }).message })}
              </p>
            </Match>
            <Match when={status()?.kind === 'stale-key'}>
              <p role="alert" data-testid="backup-status">
                {t('Your recovery code was changed on another device. Enter the new one to keep backing up from this device.')}
              </p>
              <RecoveryCodeForm engine={engine()} label={t('Use this recovery code')} />
            </Match>
            <Match when={status()?.kind === 'off'}>
              <p role="status" data-testid="backup-status">
                {t('Off for this device.')}{' '}
                {(status() as { serverHasBackup: boolean }).serverHasBackup ? t('Enter your recovery code to restore your earlier messages and keep the backup up to date.') : t('Enter your recovery code to turn it on.')}
              </p>
              <RecoveryCodeForm engine={engine()} label={t('Turn on key backup')} />
            </Match>
          </Switch>
        )}
      </Show>
    </section>
  );
}
