/**
 * A report review queue (issue #16 item 1): a community's, for its moderators, or the instance's,
 * for its admins. Each report shows what was reported, by whom and why; a reported message shows
 * the text the reporter disclosed with what franking proved about it (sent exactly like this, or
 * altered, or forged, or too old to check), and the accused's warning count. The actions offered
 * are the queue's; the server checks each one's permission and rank.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { Dialog } from '../Dialog';
import { errorText } from '../useSubmit';
import { communityModeration, communityReports, instanceReports, resolveReport, setCommunityModeration, type ReportAction, type ReportView } from '../../api/moderation';
import { REASON_LABELS } from './ReportDialog';
import { ReadFailure } from '../ReadFailure';
import { readableFrom } from '../../api/readable';

const VERDICTS: Record<NonNullable<ReportView['message']>['verdict'], { text: string; tone: string }> = {
  verified: { text: msg('Verified: the sender really sent exactly this text here.'), tone: 'ok' },
  altered: { text: msg('Altered: the sender sent this message, but not this text.'), tone: 'bad' },
  forged: { text: msg('Forged: this is not a message the server relayed from that sender here.'), tone: 'bad' },
  unverifiable: { text: msg('Cannot be verified: the message is older than report seals.'), tone: 'warn' },
};

const ACTION_LABELS: Record<ReportAction, string> = {
  dismiss: msg('Dismiss'),
  warn: msg('Warn'),
  delete: msg('Delete message'),
  timeout: msg('Time out 1 h'),
  kick: msg('Kick'),
  ban: msg('Ban'),
  escalate: msg('Escalate to admins'),
  quarantine: msg('Quarantine account'),
};

export function ReportQueue(props: { scope: 'community' | 'instance'; communityId?: string }) {
  const [closed, setClosed] = createSignal(false);
  // The source is a string: a resource whose source is `false` is never fetched.
  const read = readableFrom(
    () => (closed() ? 'closed' : 'open'),
    (which) => (props.scope === 'instance' ? instanceReports(which === 'closed') : communityReports(props.communityId!, which === 'closed')).then((r) => r.reports),
  );
  const reports = read.value;
  const refetch = read.refetch;
  const [error, setError] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<Record<string, string>>({});
  const noteFor = (id: string, text: string) => setNote((all) => ({ ...all, [id]: text }));
  const actions = (r: ReportView): ReportAction[] => {
    if (props.scope === 'instance') return r.kind === 'message' ? ['dismiss', 'warn', 'delete', 'quarantine'] : ['dismiss', 'warn', 'quarantine'];
    return r.kind === 'message' ? ['dismiss', 'warn', 'delete', 'timeout', 'kick', 'ban', 'escalate'] : ['dismiss', 'escalate'];
  };
  const act = async (r: ReportView, action: ReportAction) => {
    setError(null);
    try {
      const n = note()[r.id]?.trim();
      await resolveReport(r.id, action, { ...(n ? { note: n } : {}), ...(action === 'timeout' ? { seconds: 3600 } : {}) });
      await refetch();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div class="report-queue">
      <div class="segmented" role="group" aria-label={t('Which reports')}>
        <button type="button" class="small" aria-pressed={!closed()} onClick={() => setClosed(false)}>
          {t('Open')}
        </button>
        <button type="button" class="small" aria-pressed={closed()} onClick={() => setClosed(true)}>
          {t('Resolved')}
        </button>
      </div>
      <p class="error" role="alert">
        {error()}
      </p>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <ul class="reports" aria-label={t('Reports')}>
        <For each={reports.latest ?? []} fallback={<li class="muted">{closed() ? t('No resolved reports.') : t('No open reports.')}</li>}>
          {(r) => (
            <li class="report" data-testid="report">
              <p>
                <strong>{t(REASON_LABELS[r.reason])}</strong>{' '}
                <span class="muted">
                  {r.accused ? t('about {name}', { name: r.accused.username ?? r.accused.id }) : ''} · {t('reported by {name}', { name: r.reporter.username ?? r.reporter.id })} · {new Date(r.createdAt).toLocaleString()}
                </span>
              </p>
              <Show when={r.message}>
                {(m) => (
                  <>
                    <blockquote class="reported-text" data-testid="reported-text">
                      {m().text || t('(no text)')}
                      <Show when={m().files > 0}> {t('{count} files', { count: m().files })}</Show>
                    </blockquote>
                    <p class={`verdict verdict-${VERDICTS[m().verdict].tone}`} data-testid="verdict" data-verdict={m().verdict}>
                      {t(VERDICTS[m().verdict].text)}
                    </p>
                  </>
                )}
              </Show>
              <Show when={r.comment}>
                <p class="muted">{t('Comment: {comment}', { comment: r.comment })}</p>
              </Show>
              <Show when={r.accused}>
                <p class="muted">{t('{count} warnings so far', { count: r.warnings })}</p>
              </Show>
              <Show
                when={r.status === 'open'}
                fallback={<p class="muted">{t('Resolved: {action}', { action: t(ACTION_LABELS[r.resolution as ReportAction] ?? r.resolution ?? '') })}</p>}
              >
                <label>
                  {t('Note (a warning’s or ban’s reason, which they see)')}
                  <input type="text" maxLength={500} value={note()[r.id] ?? ''} onInput={(e) => noteFor(r.id, e.currentTarget.value)} />
                </label>
                <div class="report-actions" role="group" aria-label={t('Actions')}>
                  <For each={actions(r)}>
                    {(a) => (
                      <button type="button" class="small" classList={{ danger: a === 'ban' || a === 'kick' || a === 'quarantine' || a === 'delete' }} onClick={() => void act(r, a)}>
                        {t(ACTION_LABELS[a])}
                      </button>
                    )}
                  </For>
                </div>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </div>
  );
}

/** The community's queue, from its menu. */
export function CommunityReportsDialog(props: { open: boolean; onClose: () => void; communityId: string; /** Community admins set the automatic timeout. */ canConfigure?: boolean }) {
  return (
    <Dialog open={props.open} title={t('Reports')} onClose={props.onClose}>
      <Show when={props.canConfigure && props.open}>
        <AutoTimeout communityId={props.communityId} />
      </Show>
      <ReportQueue scope="community" communityId={props.communityId} />
    </Dialog>
  );
}

/** The community's automatic timeout after a number of warnings (issue #16 item 2); off when the number is empty. */
function AutoTimeout(props: { communityId: string }) {
  const [current] = createResource(() => props.communityId, communityModeration);
  const [threshold, setThreshold] = createSignal<string | null>(null);
  const [minutes, setMinutes] = createSignal<string | null>(null);
  const [status, setStatus] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const shownThreshold = () => threshold() ?? (current()?.warnThreshold != null ? String(current()!.warnThreshold) : '');
  const shownMinutes = () => minutes() ?? String(Math.round((current()?.warnTimeoutSeconds ?? 3600) / 60));
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const n = shownThreshold().trim() === '' ? null : Number(shownThreshold());
    try {
      await setCommunityModeration(props.communityId, n, n === null ? null : Math.round(Number(shownMinutes()) * 60));
      setStatus(n === null ? t('Automatic timeout is off.') : t('Saved.'));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="auto-timeout" onSubmit={save}>
      <fieldset>
        <legend>{t('Automatic timeout after warnings')}</legend>
        <label>
          {t('Warnings before a timeout (empty: off)')}
          <input type="number" name="warnThreshold" min="1" max="20" value={shownThreshold()} onInput={(e) => setThreshold(e.currentTarget.value)} />
        </label>
        <label>
          {t('Timeout, minutes')}
          <input type="number" name="warnTimeoutMinutes" min="1" max="40320" value={shownMinutes()} onInput={(e) => setMinutes(e.currentTarget.value)} />
        </label>
        <button type="submit" class="small">
          {t('Save')}
        </button>
      </fieldset>
      <p role="status">{status()}</p>
      <p class="error" role="alert">
        {error()}
      </p>
    </form>
  );
}

/** Settings → Reports, for the instance's owner and admins. */
export function ReportsSection() {
  return (
    <section class="settings-card" aria-labelledby="reports-title">
      <h3 id="reports-title">{t('Reports')}</h3>
      <ReportQueue scope="instance" />
    </section>
  );
}
