/**
 * Purge (issue #16 item 4): a moderator deletes a member's messages over a time range, in this
 * channel or every channel of the community, in one action: the dialog first asks the server to
 * count them, shows the count, and deletes only on confirmation. The server checks the moderator's
 * MANAGE_MESSAGES and rank, and audits the purge with its count.
 */
import { createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { Dialog } from '../Dialog';
import { errorText } from '../useSubmit';
import { purgeMessages } from '../../api/moderation';

const PERIODS = [
  { id: 'hour', label: msg('The last hour'), ms: 3_600_000 },
  { id: 'day', label: msg('The last 24 hours'), ms: 86_400_000 },
  { id: 'week', label: msg('The last 7 days'), ms: 7 * 86_400_000 },
  { id: 'all', label: msg('All time'), ms: null },
] as const;

export function PurgeDialog(props: { open: boolean; onClose: () => void; communityId: string; channelId: string | null; member: { userId: string; name: string } | null }) {
  const [scope, setScope] = createSignal<'channel' | 'community'>('channel');
  const [period, setPeriod] = createSignal<(typeof PERIODS)[number]['id']>('day');
  const [counted, setCounted] = createSignal<{ count: number; files: number; more: boolean; since: number | undefined } | null>(null);
  const [done, setDone] = createSignal<{ count: number; files: number } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const reset = () => (setCounted(null), setDone(null), setError(null));
  const close = () => (reset(), props.onClose());
  const options = (since: number | undefined, dryRun: boolean) => ({ ...(scope() === 'channel' && props.channelId ? { channelId: props.channelId } : {}), ...(since !== undefined ? { since } : {}), dryRun });
  const count = async () => {
    reset();
    const p = PERIODS.find((x) => x.id === period())!;
    const since = p.ms === null ? undefined : Date.now() - p.ms;
    try {
      const r = await purgeMessages(props.communityId, props.member!.userId, options(since, true));
      setCounted({ count: r.count, files: r.files, more: r.more, since });
    } catch (e) {
      setError(errorText(e));
    }
  };
  const purge = async () => {
    try {
      const r = await purgeMessages(props.communityId, props.member!.userId, options(counted()!.since, false));
      setCounted(null);
      setDone({ count: r.count, files: r.files });
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Dialog open={props.open} title={t("Delete {name}'s messages", { name: props.member?.name ?? '' })} onClose={close}>
      <fieldset onChange={reset}>
        <legend>{t('Where')}</legend>
        <label>
          <input type="radio" name="purge-scope" checked={scope() === 'channel'} disabled={!props.channelId} onChange={() => setScope('channel')} /> {t('This channel')}
        </label>
        <label>
          <input type="radio" name="purge-scope" checked={scope() === 'community'} onChange={() => setScope('community')} /> {t('Every channel of this community')}
        </label>
      </fieldset>
      <label>
        {t('Sent during')}
        <select value={period()} onChange={(e) => (setPeriod(e.currentTarget.value as (typeof PERIODS)[number]['id']), reset())}>
          <For each={PERIODS}>{(p) => <option value={p.id}>{t(p.label)}</option>}</For>
        </select>
      </label>
      <p class="error" role="alert">
        {error()}
      </p>
      <Show
        when={counted()}
        fallback={
          <button type="button" class="primary" onClick={() => void count()}>
            {t('Count messages')}
          </button>
        }
      >
        {(c) => (
          <>
            <p role="status" data-testid="purge-count">
              {t('{count} messages will be deleted for everyone.', { count: c().count })} {c().files > 0 ? t('{count} files they uploaded then go with them.', { count: c().files }) : ''}{' '}
              {c().more ? t('There are more: purge again afterwards.') : ''}
            </p>
            <Show when={c().count > 0 || c().files > 0}>
              <button type="button" class="danger" onClick={() => void purge()}>
                {t('Delete {count} messages', { count: c().count })}
              </button>
            </Show>
          </>
        )}
      </Show>
      <Show when={done()}>
        {(d) => (
          <p role="status" data-testid="purge-done">
            {t('{count} messages deleted.', { count: d().count })} {d().files > 0 ? t('{count} files deleted.', { count: d().files }) : ''}
          </p>
        )}
      </Show>
    </Dialog>
  );
}
