/**
 * Settings → Users, for the instance's owner and admins (issue #16, the start of the admin
 * panel): find accounts by username, see who is quarantined and why, quarantine an account with a
 * reason its owner will see, or lift it. The server enforces who may act on whom.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n';
import { liftQuarantine, quarantineUser, searchUsers, type AdminUser } from '../../api/admin';
import { user } from '../../stores/session';
import { errorText } from '../../components/useSubmit';

export function UsersSection() {
  const [query, setQuery] = createSignal('');
  const [users, { refetch }] = createResource(query, (q) => searchUsers(q).then((r) => r.users));
  const [holding, setHolding] = createSignal<string | null>(null);
  const [reason, setReason] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setHolding(null);
      setReason('');
      await refetch();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const role = (u: AdminUser) => (u.instanceRole === 'owner' ? t('Owner') : u.instanceRole === 'admin' ? t('Admin') : '');
  return (
    <section class="settings-card" aria-labelledby="users-title">
      <h3 id="users-title">{t('Users')}</h3>
      <label>
        {t('Find by username')}
        <input type="search" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <p class="error" role="alert">
        {error()}
      </p>
      <ul class="admin-users" aria-label={t('Accounts')}>
        <For each={users() ?? []}>
          {(u) => (
            <li data-testid="admin-user">
              <strong>{u.username}</strong> <span class="muted">{u.displayName !== u.username ? u.displayName : ''} {role(u)}</span>
              <Show when={u.quarantine}>{(q) => <p class="muted">{t('Quarantined: {reason}', { reason: q().reason })}</p>}</Show>
              <Show when={u.id !== user()?.id && u.instanceRole !== 'owner'}>
                <Show
                  when={u.quarantine}
                  fallback={
                    <Show
                      when={holding() === u.id}
                      fallback={
                        <button type="button" class="small" onClick={() => (setHolding(u.id), setReason(''))}>
                          {t('Quarantine…')}
                        </button>
                      }
                    >
                      <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void act(() => quarantineUser(u.id, reason().trim())))}>
                        <label>
                          {t('Reason (they will see it)')}
                          <input type="text" maxLength={500} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} required />
                        </label>
                        <button type="submit" class="small danger">
                          {t('Quarantine {name}', { name: u.username })}
                        </button>{' '}
                        <button type="button" class="small" onClick={() => setHolding(null)}>
                          {t('Cancel')}
                        </button>
                      </form>
                    </Show>
                  }
                >
                  <button type="button" class="small" onClick={() => void act(() => liftQuarantine(u.id))}>
                    {t('Lift quarantine')}
                  </button>
                </Show>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
