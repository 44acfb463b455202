/**
 * "Import from Discord" (issue #19 item 7): the owner picks a server template or guild JSON,
 * DiscordChatExporter JSON exports and emoji images; this dialog shows what will be made and
 * what is left out, then builds a new community through the ordinary routes (groups, channels,
 * roles, emoji) and sends each channel's history as encrypted message batches from this device,
 * with the channel's sender key like any message. The server never holds the imported text.
 */
import { errorText } from '../api/errorText';
import { createSignal, For, Show } from 'solid-js';
import { createChannel, createCommunity, createGroup, createRole, deleteGroup, listRoles, updateChannel, type CommunityView } from '../api/communities';
import { ApiRequestError } from '../api/http';
import { addEmoji } from '../api/images';
import type { Engine } from '../e2ee/Engine';
import { t } from '../i18n';
import { batches, channelForHistory, planImport, type ImportPlan, type PlannedChannel } from '../import/discord';
import { ChannelSession } from '../stores/ChannelSession';
import type { Db } from '../stores/idb';
import { Dialog } from './Dialog';

const reason = (e: unknown) => (e instanceof Error ? errorText(e) : String(e));

/** Resolves once every queued envelope of `session` has been acknowledged. */
function drained(session: ChannelSession, onProgress: (left: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const left = session.queued();
      onProgress(left);
      if (left === 0) (clearInterval(tick), resolve());
    }, 200);
  });
}

export function ImportDiscordDialog(props: {
  open: boolean;
  onClose: () => void;
  engine: Engine | undefined;
  db: Db | undefined;
  /** Import into this community (its groups, channels and roles are reused by name) instead of a new one. */
  into?: CommunityView;
  onDone: (communityId: string, channelId: string) => void;
}) {
  const [plan, setPlan] = createSignal<ImportPlan | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [step, setStep] = createSignal('');
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [problems, setProblems] = createSignal<string[]>([]);

  const choose = async (files: File[]) => {
    setError(null);
    setPlan(null);
    try {
      setPlan(await planImport(files));
    } catch (e) {
      setError(reason(e));
    }
  };

  const messageCount = (p: ImportPlan) => p.history.reduce((n, h) => n + h.messages.length, 0);

  const run = async () => {
    const p = plan();
    const engine = props.engine;
    const db = props.db;
    if (!p || !engine || !db) return;
    setBusy(true);
    setError(null);
    const failed: string[] = [];
    try {
      const into = props.into;
      if (!into) setStep(t('Creating the community'));
      const view = into ?? (await createCommunity({ name: p.name }));
      const communityId = view.community.id;
      const groupIds = new Map<string, string>(into ? into.groups.map((g) => [g.name, g.id]) : []);
      for (const name of p.groups) if (!groupIds.has(name)) groupIds.set(name, (await createGroup(communityId, { name })).group.id);
      setStep(t('Creating channels'));
      const channelIds = new Map<PlannedChannel, string>();
      const general = into ? undefined : view.channels[0];
      let movedGeneral = false;
      for (const c of p.channels) {
        // Into an existing community: a channel of the same name, kind and group is the one.
        const existing = into?.channels.find((ch) => ch.name === c.name && ch.kind === c.kind && (c.group === null || ch.groupId === groupIds.get(c.group)));
        if (existing) {
          channelIds.set(c, existing.id);
          continue;
        }
        // The community's own #general becomes Discord's first #general, moved into its category.
        if (general && c.kind === 'text' && c.name === general.name && ![...channelIds.values()].includes(general.id)) {
          channelIds.set(c, general.id);
          const groupId = c.group ? groupIds.get(c.group) : undefined;
          if (groupId) await updateChannel(general.id, { groupId }).then(() => (movedGeneral = true), (e: unknown) => failed.push(`#${c.name}: ${reason(e)}`));
          continue;
        }
        try {
          const made = await createChannel(communityId, { name: c.name, kind: c.kind, ...(c.group && groupIds.has(c.group) ? { groupId: groupIds.get(c.group)! } : {}) });
          channelIds.set(c, made.channel.id);
        } catch (e) {
          failed.push(`#${c.name}: ${reason(e)}`);
        }
      }
      // The group a new community starts with, left empty by an import that brought its own.
      const first = into ? undefined : view.groups[0];
      const stillHolds = view.channels.some((ch) => ch.groupId === first?.id && !(ch.id === general?.id && movedGeneral));
      if (first && !p.groups.includes(first.name) && !stillHolds) await deleteGroup(communityId, first.id).catch(() => undefined);
      setStep(t('Creating roles'));
      const haveRoles = into ? new Set((await listRoles(communityId)).roles.map((r) => r.name)) : new Set<string>();
      for (const r of p.roles) if (!haveRoles.has(r.name)) await createRole(communityId, { name: r.name, permissions: r.permissions }).catch((e: unknown) => failed.push(`role ${r.name}: ${reason(e)}`));
      for (const e of p.emoji) await addEmoji(communityId, e.name, e.file).catch((x: unknown) => failed.push(`:${e.name}: ${reason(x)}`));

      const total = messageCount(p);
      let done = 0;
      setProgress({ done, total });
      for (const h of p.history) {
        const channelId = channelIds.get(channelForHistory(p, h));
        if (!channelId || h.messages.length === 0) continue;
        setStep(t('Encrypting and sending the history of #{channel}', { channel: h.channel }));
        const session = new ChannelSession(channelId, engine, db);
        const parts = batches(h.messages);
        for (const batch of parts) session.enqueue('message', { v: 1, imported: { source: 'discord', messages: batch } });
        const sizes = parts.map((b) => b.length);
        await drained(session, (left) => setProgress({ done: done + sizes.slice(0, parts.length - left).reduce((a, b) => a + b, 0), total }));
        done += h.messages.length;
        setProgress({ done, total });
        session.close();
      }
      setProblems(failed);
      setStep(t('Imported'));
      setBusy(false);
      if (failed.length === 0) {
        setPlan(null);
        setProgress(null);
        props.onClose();
      }
      props.onDone(communityId, [...channelIds.values()][0] ?? general?.id ?? '');
    } catch (e) {
      setError(reason(e));
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title={props.into ? t('Import from Discord into {community}', { community: props.into.community.name }) : t('Import from Discord')} onClose={() => !busy() && props.onClose()}>
      <div class="import-discord" data-testid="import-discord">
        <Show when={props.into}>
          <p class="hint">{t('Channels, groups and roles that exist here already are reused by name. Imported history can be read by the members this channel has now, and by nobody who joins later: import it after your members have joined.')}</p>
        </Show>
        <p class="hint">
          {t('Choose a server template (or guild JSON), DiscordChatExporter JSON exports of channels, and emoji images named after each emoji. Everything is read here, in your browser; history is end-to-end encrypted before it is sent.')}
        </p>
        <label>
          {t('Discord export files')}
          <input type="file" name="discordFiles" multiple accept=".json,application/json,image/png,image/gif,image/webp,image/jpeg" disabled={busy()} onChange={(e) => void choose([...(e.currentTarget.files ?? [])])} />
        </label>
        <Show when={plan()}>
          {(p) => (
            <section aria-label={t('What will be imported')} data-testid="import-plan">
              <h3>{props.into?.community.name ?? p().name}</h3>
              <ul>
                <li>{t('{count} groups', { count: p().groups.length })}</li>
                <li>{t('{count} channels', { count: p().channels.length })}</li>
                <li>{t('{count} roles', { count: p().roles.length })}</li>
                <li>{t('{count} custom emoji', { count: p().emoji.length })}</li>
                <li>{t('{count} messages of history, shown as imported under their authors’ names', { count: messageCount(p()) })}</li>
              </ul>
              <Show when={!props.into && p().history.length > 0}>
                <p class="hint" data-testid="import-history-note">
                  {t('History imported into a new community can be read only by you: nobody who joins later can read messages from before they joined. To share it, import without the channel exports now, invite your members, then import the history from the community menu.')}
                </p>
              </Show>
              <Show when={p().skipped.length > 0}>
                <details>
                  <summary>{t('Left out ({count})', { count: p().skipped.length })}</summary>
                  <ul>
                    <For each={p().skipped}>{(s) => <li>{s}</li>}</For>
                  </ul>
                </details>
              </Show>
              <button type="button" class="primary" disabled={busy() || !props.engine || !props.db} onClick={() => void run()}>
                {t('Import')}
              </button>
            </section>
          )}
        </Show>
        <Show when={step()}>
          <p role="status" data-testid="import-status">
            {step()}
            <Show when={progress()}>{(g) => <> — {t('{done} of {total} messages', { done: g().done, total: g().total })}</>}</Show>
          </p>
          <Show when={progress()}>{(g) => <progress max={Math.max(1, g().total)} value={g().done} aria-label={t('Import progress')} />}</Show>
        </Show>
        <Show when={problems().length > 0}>
          <div role="alert">
            <p>{t('Imported, except:')}</p>
            <ul>
              <For each={problems()}>{(s) => <li>{s}</li>}</For>
            </ul>
          </div>
        </Show>
        <p class="error" role="alert">
          {error()}
        </p>
      </div>
    </Dialog>
  );
}
