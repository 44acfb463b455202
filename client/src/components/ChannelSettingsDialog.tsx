/**
 * Managing one community channel, for members with MANAGE_CHANNELS there: rename it, move it to
 * another group, move it up or down among its siblings, archive or restore it, and delete it
 * (after a second, confirming click). Each change is one PATCH or DELETE on /api/channels/{id};
 * the server decides whether it is allowed, and its refusal is shown in the alert.
 */
import { errorText } from '../api/errorText';
import { t } from '../i18n';
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js';
import { deleteChannel, updateChannel, type Channel, type CommunityView } from '../api/communities';
import { DisappearOptions } from './messages/disappearing';
import { MAX_CALL_PARTICIPANTS } from '../../../protocol/calls';
import { Dialog } from './Dialog';

/** The channels of the same group as `ch`, in display order. */
export function siblingsOf(community: CommunityView, ch: Channel): Channel[] {
  return community.channels.filter((c) => c.groupId === ch.groupId && c.kind !== 'dm' && c.kind !== 'group_dm').sort((a, b) => a.position - b.position);
}

export function ChannelSettingsDialog(props: { open: boolean; onClose: () => void; community: CommunityView | null; channel: Channel | null; onChanged: () => void; onDeleting?: (channelId: string) => void; onDeleted: () => void }) {
  const [name, setName] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  // Reset for another channel only: a memo, because `on` runs again whenever its source re-runs,
  // and the channel object is new after every live re-read of the community (the name being typed
  // would be lost).
  const channelId = createMemo(() => props.channel?.id);
  createEffect(on(channelId, () => (setName(props.channel?.name ?? ''), setConfirmDelete(false), setError(null))));

  const run = async (fn: () => Promise<unknown>, after: () => void = props.onChanged) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      after();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const ch = () => props.channel!;
  const siblings = () => (props.community && props.channel ? siblingsOf(props.community, props.channel) : []);
  const index = () => siblings().findIndex((c) => c.id === props.channel?.id);
  /** Swaps positions with the neighbour `step` places away (−1 up, +1 down). */
  const move = (step: -1 | 1) => {
    const other = siblings()[index() + step];
    if (!other) return;
    const mine = ch().position;
    void run(() => Promise.all([updateChannel(ch().id, { position: other.position }), updateChannel(other.id, { position: mine })]));
  };
  const remove = () => {
    if (!confirmDelete()) return setConfirmDelete(true);
    const id = ch().id;
    // Whoever has it open leaves it first: nothing on this screen asks after it once it is gone.
    void run(
      async () => (props.onDeleting?.(id), await deleteChannel(id)),
      () => (props.onClose(), props.onDeleted()),
    );
  };

  return (
    <Dialog open={props.open && !!props.channel} title={t('Channel settings: #{channel}', { channel: props.channel?.name ?? '' })} onClose={props.onClose}>
      <Show when={props.channel}>
        <form onSubmit={(e) => (e.preventDefault(), void run(() => updateChannel(ch().id, { name: name() })))}>
          <label>
            {t('Channel name')}
            <input name="channelName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" disabled={busy() || name().trim() === ch().name}>
            {t('Rename')}
          </button>
        </form>
        <label class="spaced">
          {t('Group')}
          <select name="channelGroup" value={ch().groupId ?? ''} disabled={busy()} onChange={(e) => void run(() => updateChannel(ch().id, { groupId: e.currentTarget.value || null }))}>
            <option value="">{t('No group')}</option>
            <For each={props.community?.groups ?? []}>{(g) => <option value={g.id}>{g.name}</option>}</For>
          </select>
        </label>
        <Show when={ch().kind !== 'voice'}>
          <label class="spaced">
            {t('Disappearing messages')}
            <select
              name="disappearSeconds"
              value={String(ch().disappearSeconds ?? '')}
              disabled={busy()}
              onChange={(e) => void run(() => updateChannel(ch().id, { disappearSeconds: e.currentTarget.value ? Number(e.currentTarget.value) : null }))}
            >
              <DisappearOptions />
            </select>
          </label>
          <p class="hint">{t('Applies to messages sent from now on: each is erased from the server and from every device when its time is up.')}</p>
        </Show>
        <Show when={ch().kind === 'voice'}>
          <label class="spaced">
            {t('Call limit (people in the call at once)')}
            <select
              name="callCap"
              value={String(ch().callCap ?? '')}
              disabled={busy()}
              onChange={(e) => void run(() => updateChannel(ch().id, { callCap: e.currentTarget.value ? Number(e.currentTarget.value) : null }))}
            >
              <option value="">{t('No limit below the maximum ({count})', { count: MAX_CALL_PARTICIPANTS })}</option>
              <For each={[2, 3, 4, 5, 6, 8, 10, 12, 15, 20]}>{(n) => <option value={String(n)}>{n}</option>}</For>
            </select>
          </label>
        </Show>
        <div class="button-row" role="group" aria-label={t('Order')}>
          <button type="button" disabled={busy() || index() <= 0} onClick={() => move(-1)}>
            {t('Move up')}
          </button>
          <button type="button" disabled={busy() || index() < 0 || index() >= siblings().length - 1} onClick={() => move(1)}>
            {t('Move down')}
          </button>
        </div>
        <div class="button-row">
          <button type="button" disabled={busy()} onClick={() => void run(() => updateChannel(ch().id, { archived: !ch().archived }))}>
            {ch().archived ? t('Restore channel') : t('Archive channel')}
          </button>
          <button type="button" class="danger" disabled={busy()} onClick={remove}>
            {confirmDelete() ? t('Confirm: delete channel and its history') : t('Delete channel')}
          </button>
        </div>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
    </Dialog>
  );
}
