/**
 * Settings → Users, for the instance's owner and admins (issue #16, the admin panel's accounts):
 * find accounts by username and see each one's role, live sessions, devices, 2FA and quarantine;
 * quarantine (with a reason its owner sees) or lift it; end every session; reset two-factor
 * authentication or delete the account, each with a reason for the audit log; the owner makes and
 * unmakes admins. The server enforces who may act on whom.
 */
import { createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { deleteUserAsAdmin, liftQuarantine, liftSuspension, quarantineUser, suspendUser, resetTwoFactor, searchUsers, setInstanceRole, signOutUser, type AdminUser } from '../../api/admin';
import { user } from '../../stores/session';
import { errorText } from '../../components/useSubmit';
import { readableFrom } from '../../api/readable';
import { ReadFailure } from '../../components/ReadFailure';

/** The actions that take a reason, with their form's labels. */
const REASONED = {
  quarantine: { label: msg('Reason (they will see it)'), submit: msg('Quarantine {name}') },
  suspend: { label: msg('Reason (they see it when they try to sign in)'), submit: msg('Suspend {name}') },
  'reset-2fa': { label: msg('Reason (for the audit log; check who is asking by other means first)'), submit: msg('Reset 2FA of {name}') },
  delete: { label: msg('Reason (for the audit log)'), submit: msg('Delete {name} for good') },
} as const;
type Reasoned = keyof typeof REASONED;

export function UsersSection() {
  const [query, setQuery] = createSignal('');
  const read = readableFrom(query, (q) => searchUsers(q).then((r) => r.users));
  const users = read.value;
  const refetch = read.refetch;
  const [acting, setActing] = createSignal<{ id: string; action: Reasoned } | null>(null);
  const [reason, setReason] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setActing(null);
      setReason('');
      if (done) setNotice(done);
      await refetch();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const run = (u: AdminUser, action: Reasoned) => {
    const r = reason().trim();
    if (action === 'quarantine') return act(() => quarantineUser(u.id, r));
    if (action === 'suspend') return act(() => suspendUser(u.id, r), t('{name} is suspended; their sessions ended.', { name: u.username }));
    if (action === 'reset-2fa') return act(() => resetTwoFactor(u.id, r), t('Two-factor authentication of {name} was reset; their sessions ended.', { name: u.username }));
    return act(() => deleteUserAsAdmin(u.id, r), t('{name} was deleted.', { name: u.username }));
  };
  const role = (u: AdminUser) => (u.instanceRole === 'owner' ? t('Owner') : u.instanceRole === 'admin' ? t('Admin') : '');
  const iAmOwner = () => user()?.instanceRole === 'owner';
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
      <p role="status">{notice()}</p>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <ul class="admin-users" aria-label={t('Accounts')}>
        <For each={users() ?? []}>
          {(u) => (
            <li data-testid="admin-user">
              <strong>{u.username}</strong> <span class="muted">{u.displayName !== u.username ? u.displayName : ''} {role(u)}</span>
              <p class="muted">
                {t('{count} sessions', { count: u.sessions })} · {t('{count} devices', { count: u.devices })} · {u.twoFactor ? t('2FA on') : t('2FA off')}
              </p>
              <Show when={u.quarantine}>{(q) => <p class="muted">{t('Quarantined: {reason}', { reason: q().reason })}</p>}</Show>
              <Show when={u.suspension}>{(q) => <p class="muted">{t('Suspended: {reason}', { reason: q().reason })}</p>}</Show>
              <Show when={u.id !== user()?.id && u.instanceRole !== 'owner' && (u.instanceRole !== 'admin' || iAmOwner())}>
                <Show
                  when={acting()?.id === u.id ? acting()!.action : null}
                  fallback={
                    <div class="admin-actions" role="group" aria-label={t('Actions for {name}', { name: u.username })}>
                      <Show
                        when={u.quarantine}
                        fallback={
                          <button type="button" class="small" onClick={() => (setActing({ id: u.id, action: 'quarantine' }), setReason(''))}>
                            {t('Quarantine…')}
                          </button>
                        }
                      >
                        <button type="button" class="small" onClick={() => void act(() => liftQuarantine(u.id))}>
                          {t('Lift quarantine')}
                        </button>
                      </Show>
                      <Show
                        when={u.suspension}
                        fallback={
                          <button type="button" class="small" onClick={() => (setActing({ id: u.id, action: 'suspend' }), setReason(''))}>
                            {t('Suspend…')}
                          </button>
                        }
                      >
                        <button type="button" class="small" onClick={() => void act(() => liftSuspension(u.id))}>
                          {t('Lift suspension')}
                        </button>
                      </Show>
                      <button type="button" class="small" onClick={() => void act(() => signOutUser(u.id), t('Every session of {name} ended.', { name: u.username }))}>
                        {t('Sign out everywhere')}
                      </button>
                      <Show when={u.twoFactor}>
                        <button type="button" class="small" onClick={() => (setActing({ id: u.id, action: 'reset-2fa' }), setReason(''))}>
                          {t('Reset 2FA…')}
                        </button>
                      </Show>
                      <Show when={iAmOwner()}>
                        <button type="button" class="small" onClick={() => void act(() => setInstanceRole(u.id, u.instanceRole === 'admin' ? 'user' : 'admin'))}>
                          {u.instanceRole === 'admin' ? t('Remove admin') : t('Make admin')}
                        </button>
                      </Show>
                      <button type="button" class="small danger" onClick={() => (setActing({ id: u.id, action: 'delete' }), setReason(''))}>
                        {t('Delete account…')}
                      </button>
                    </div>
                  }
                >
                  {(action) => (
                    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void run(u, action()))}>
                      <label>
                        {t(REASONED[action()].label)}
                        <input type="text" maxLength={500} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} required />
                      </label>
                      <button type="submit" class="small danger">
                        {t(REASONED[action()].submit, { name: u.username })}
                      </button>{' '}
                      <button type="button" class="small" onClick={() => setActing(null)}>
                        {t('Cancel')}
                      </button>
                    </form>
                  )}
                </Show>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
