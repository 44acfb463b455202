/**
 * Settings → Audit, for the instance's owner and admins (issue #16 item 6): the audit log, newest
 * first, filtered by event and by account, 50 at a time with "Older". It holds who did what and
 * when (sign-ins, moderation, admin actions), never a password, token or message.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n';
import { auditLog, searchUsers, type AuditRow } from '../../api/admin';
import { errorText } from '../../components/useSubmit';

const EVENTS = ['', 'login', 'login_failed', 'register', 'account_deleted', 'account_quarantined', 'quarantine_lifted', 'sessions_ended_by_admin', 'totp_reset_by_admin', 'instance_role_changed', 'report_filed', 'report_resolved', 'member_warned', 'member_kicked', 'member_banned', 'member_timed_out', 'message_removed', 'messages_purged', 'announcement_posted', 'community_theme_changed', 'invite_created', 'invite_revoked', 'webhook_created', 'webhook_rotated', 'webhook_deleted', 'webhook_post', 'data_exported'];

export function AuditSection() {
  const [event, setEvent] = createSignal('');
  const [username, setUsername] = createSignal('');
  const [rows, setRows] = createSignal<AuditRow[]>([]);
  const [end, setEnd] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const load = async (more: boolean) => {
    setError(null);
    try {
      let userId: string | undefined;
      if (username().trim()) {
        const found = (await searchUsers(username().trim())).users.find((u) => u.username.toLowerCase() === username().trim().toLowerCase());
        if (!found) return (setRows([]), setEnd(true), setError(t('There is no user named “{name}”.', { name: username().trim() })));
        userId = found.id;
      }
      const last = more ? rows().at(-1) : undefined;
      const page = (await auditLog({ ...(event() ? { event: event() } : {}), ...(userId ? { userId } : {}), ...(last ? { before: { createdAt: last.createdAt, id: last.id } } : {}) })).events;
      setRows(more ? [...rows(), ...page] : page);
      setEnd(page.length < 50);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const [first] = createResource(() => load(false));
  return (
    <section class="settings-card" aria-labelledby="audit-title">
      <h3 id="audit-title">{t('Audit log')}</h3>
      <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void load(false))}>
        <label>
          {t('Event')}
          <select value={event()} onChange={(e) => setEvent(e.currentTarget.value)}>
            <For each={EVENTS}>{(name) => <option value={name}>{name || t('Every event')}</option>}</For>
          </select>
        </label>
        <label>
          {t('Account (username)')}
          <input type="search" value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <button type="submit" class="small">
          {t('Show')}
        </button>
      </form>
      <p class="error" role="alert">
        {error()}
      </p>
      <Show when={!first.loading}>
        <table class="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('When')}</th>
              <th scope="col">{t('Event')}</th>
              <th scope="col">{t('Account')}</th>
              <th scope="col">{t('Details')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={rows()} fallback={<tr><td colspan={4}>{t('Nothing recorded.')}</td></tr>}>
              {(r) => (
                <tr data-testid="audit-row">
                  <td>{new Date(r.createdAt).toLocaleString()}</td>
                  <td>{r.event}</td>
                  <td>{r.userId ?? ''}</td>
                  <td>
                    <code>{JSON.stringify(r.detail)}</code> <span class="muted">{r.ip}</span>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={!end()}>
          <button type="button" class="small" onClick={() => void load(true)}>
            {t('Older')}
          </button>
        </Show>
      </Show>
    </section>
  );
}
