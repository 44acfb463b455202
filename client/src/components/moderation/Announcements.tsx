/**
 * Announcements (issue #16 item 6): the instance-wide banners this user has not dismissed (read
 * when the chat screen opens and whenever the hub reconnects), and Settings → Announcements, where
 * the owner and admins post one (text, severity, an optional end) or remove one.
 */
import { createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { dismissAnnouncement, listAnnouncementsAdmin, myAnnouncements, postAnnouncement, removeAnnouncement, type Announcement } from '../../api/admin';
import { errorText } from '../useSubmit';
import { ReadFailure } from '../ReadFailure';
import { readable } from '../../api/readable';

const SEVERITY: Record<Announcement['severity'], string> = { info: msg('Information'), warning: msg('Warning'), critical: msg('Critical') };

/** The announcements to show, read at once and on `refetch` (the hub's `ready`, at every reconnection): a signal, so the chat screen never suspends for it. */
export function useAnnouncements() {
  const [announcements, setAnnouncements] = createSignal<Announcement[]>([]);
  const refetch = () => myAnnouncements().then((r) => setAnnouncements(r.announcements), () => undefined);
  void refetch();
  return { announcements, refetch, dismiss: (id: string) => (setAnnouncements((l) => l.filter((a) => a.id !== id)), void dismissAnnouncement(id).catch(() => undefined)) };
}

export function AnnouncementBanners(props: { announcements: Announcement[] | undefined; onDismiss: (id: string) => void }) {
  return (
    <For each={props.announcements ?? []}>
      {(a) => (
        <div class={`banner announcement announcement-${a.severity}`} role={a.severity === 'critical' ? 'alert' : 'status'} data-testid="announcement">
          <p>
            <strong>{t(SEVERITY[a.severity])}:</strong> {a.text}
          </p>
          <button type="button" class="small" onClick={() => props.onDismiss(a.id)} aria-label={t('Dismiss announcement')}>
            {t('Dismiss')}
          </button>
        </div>
      )}
    </For>
  );
}

export function AnnouncementsSection() {
  const read = readable(() => listAnnouncementsAdmin().then((r) => r.announcements));
  const list = read.value;
  const refetch = read.refetch;
  const [text, setText] = createSignal('');
  const [severity, setSeverity] = createSignal<Announcement['severity']>('info');
  const [ends, setEnds] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const post = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await postAnnouncement(text().trim(), severity(), ends() ? new Date(ends()).getTime() : undefined);
      setText('');
      setEnds('');
      await refetch();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="announcements-title">
      <h3 id="announcements-title">{t('Announcements')}</h3>
      <form onSubmit={(e) => void post(e)}>
        <label>
          {t('Announcement')}
          <textarea rows={3} maxLength={1000} required value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          {t('Severity')}
          <select value={severity()} onChange={(e) => setSeverity(e.currentTarget.value as Announcement['severity'])}>
            <For each={['info', 'warning', 'critical'] as const}>{(s) => <option value={s}>{t(SEVERITY[s])}</option>}</For>
          </select>
        </label>
        <label>
          {t('Ends (optional)')}
          <input type="datetime-local" value={ends()} onInput={(e) => setEnds(e.currentTarget.value)} />
        </label>
        <p class="error" role="alert">
          {error()}
        </p>
        <button type="submit" class="primary">
          {t('Post to everyone')}
        </button>
      </form>
      <ul class="announcements-admin" aria-label={t('Announcements')}>
        <ReadFailure failure={read.failure()} retry={read.refetch} />
        <For each={list() ?? []} fallback={<li class="muted">{t('No announcements.')}</li>}>
          {(a) => (
            <li data-testid="admin-announcement">
              <strong>{t(SEVERITY[a.severity])}</strong> {a.text}
              <Show when={a.endsAt}>{(end) => <span class="muted"> · {t('until {time}', { time: new Date(end()).toLocaleString() })}</span>}</Show>{' '}
              <button type="button" class="small danger" onClick={() => void removeAnnouncement(a.id).then(() => refetch(), (e: unknown) => setError(errorText(e)))}>
                {t('Remove')}
              </button>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
