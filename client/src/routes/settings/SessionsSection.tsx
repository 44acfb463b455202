/** Settings → sessions: where this account is signed in, with a way to end any of them (or all others). */
import { locale, t } from '../../i18n';
import { For, Show } from 'solid-js';
import { endOtherSessions, endSession, listSessions, type AccountSession } from '../../api/account';
import { createAction } from './form';
import { readable } from '../../api/readable';
import { ReadFailure } from '../../components/ReadFailure';

const when = () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });

export function SessionsSection() {
  const read = readable(async () => (await listSessions()).sessions);
  const sessions = read.value;
  const refetch = read.refetch;
  const action = createAction();
  const end = (s: AccountSession) => void action.run(async () => (await endSession(s.id), void refetch()));
  const endOthers = () => void action.run(async () => (await endOtherSessions(), await refetch(), t('Every other session was signed out.')));
  return (
    <section class="settings-card" aria-labelledby="sessions-title">
      <h3 id="sessions-title">{t('Sessions')}</h3>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <p>{t('Everywhere your account is signed in. Ending a session signs that browser out at once.')}</p>
      <ul class="session-list" data-testid="sessions">
        <For each={sessions()}>
          {(s) => (
            <li classList={{ current: s.current }}>
              <div>
                <strong>{s.deviceName || t('Unnamed device')}</strong> {s.current && <span class="trust-badge">{t('This session')}</span>}
                <div class="muted small-text">
                  {t('Signed in {when} · last active {last}', { when: when().format(s.createdAt), last: when().format(s.lastUsedAt) })}
                  {s.ip ? ` · ${s.ip}` : ''}
                </div>
              </div>
              <Show when={!s.current}>
                <button type="button" class="small" onClick={() => end(s)} disabled={action.busy()} aria-label={t('End session on {device}', { device: s.deviceName || t('Unnamed device') })}>
                  {t('End')}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <p class="error" role="alert">{action.error()}</p>
      <Show when={action.done()}>
        <p role="status">{action.done()}</p>
      </Show>
      <button type="button" onClick={endOthers} disabled={action.busy() || (sessions()?.length ?? 0) < 2}>
        {t('Sign out every other session')}
      </button>
    </section>
  );
}
