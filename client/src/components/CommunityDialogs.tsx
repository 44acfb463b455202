/**
 * The shell's small forms, each in a Dialog: create a community, a group or a channel; invite
 * people (code, link, maximum uses, expiry); join by code or link; start a DM or a group DM by
 * usernames; leave a community. Each calls one REST route and reports the server's refusal in
 * an alert; none of them decides what the user may do (the caller shows only what they may).
 */
import { t } from '../i18n';
import { createSignal, For, Show } from 'solid-js';
import { MAX_GROUP_DM_MEMBERS } from '../../../protocol/communities';
import {
  createChannel,
  createCommunity,
  createDm,
  createGroup,
  joinByInvite,
  leaveCommunity,
  type CommunityView,
  type Dm,
} from '../api/communities';
import { ApiRequestError } from '../api/http';
import { userByName } from '../api/keys';
import { navigate } from '../router';
import { Dialog } from './Dialog';
import { useSubmit } from './useSubmit';
import { InviteCreator } from './Invites';
import { InvitePreviewCard } from './InvitePreview';

/** Extracts an invite code from a code or a pasted link (…/#/join/<code>). */
export function inviteCodeFrom(input: string): string | null {
  const m = input.trim().match(/(?:join\/)?([A-Za-z0-9_-]{8,64})\/?$/);
  return m ? m[1]! : null;
}

function FormEnd(props: { error: string | null; busy: boolean; label: string; danger?: boolean }) {
  return (
    <>
      <p class="error" role="alert">
        {props.error}
      </p>
      <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={props.busy}>
        {props.label}
      </button>
    </>
  );
}

export function CreateCommunityDialog(props: { open: boolean; onClose: () => void; onCreated: (c: CommunityView) => void; onImport?: () => void }) {
  const [name, setName] = createSignal('');
  const f = useSubmit(
    () => createCommunity({ name: name() }),
    (c) => (setName(''), props.onClose(), props.onCreated(c)),
  );
  return (
    <Dialog open={props.open} title={t('Create a community')} onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          {t('Community name')}
          <input name="communityName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <FormEnd error={f.error()} busy={f.busy()} label={t('Create')} />
      </form>
      <Show when={props.onImport}>
        <p class="hint">
          <button type="button" class="link-button" onClick={() => props.onImport?.()}>
            {t('Import from Discord…')}
          </button>
        </p>
      </Show>
    </Dialog>
  );
}

export function CreateGroupDialog(props: { open: boolean; onClose: () => void; communityId: string | null; onCreated: () => void }) {
  const [name, setName] = createSignal('');
  const f = useSubmit(
    () => createGroup(props.communityId!, { name: name() }),
    () => (setName(''), props.onClose(), props.onCreated()),
  );
  return (
    <Dialog open={props.open} title={t('Create a group')} onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          {t('Group name')}
          <input name="groupName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <FormEnd error={f.error()} busy={f.busy()} label={t('Create group')} />
      </form>
    </Dialog>
  );
}

export function CreateChannelDialog(props: { open: boolean; onClose: () => void; community: CommunityView | null; onCreated: (id: string) => void }) {
  const [name, setName] = createSignal('');
  const [groupId, setGroupId] = createSignal('');
  const [kind, setKind] = createSignal<'text' | 'voice'>('text');
  const f = useSubmit(
    () => createChannel(props.community!.community.id, { name: name(), kind: kind(), ...(groupId() ? { groupId: groupId() } : {}) }),
    (r) => (setName(''), props.onClose(), props.onCreated(r.channel.id)),
  );
  return (
    <Dialog open={props.open} title={t('Create a channel')} onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          {t('Channel name')}
          <input name="channelName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset class="choice">
          <legend>{t('Kind')}</legend>
          <label class="check">
            <input type="radio" name="kind" value="text" checked={kind() === 'text'} onChange={() => setKind('text')} /> {t('Text: messages and files')}
          </label>
          <label class="check">
            <input type="radio" name="kind" value="voice" checked={kind() === 'voice'} onChange={() => setKind('voice')} /> {t('Voice: calls with voice, video and screens, and a text chat')}
          </label>
        </fieldset>
        <label>
          {t('Group')}
          <select name="group" value={groupId()} onChange={(e) => setGroupId(e.currentTarget.value)}>
            <option value="">{t('No group')}</option>
            <For each={props.community?.groups ?? []}>{(g) => <option value={g.id}>{g.name}</option>}</For>
          </select>
        </label>
        <FormEnd error={f.error()} busy={f.busy()} label={t('Create')} />
      </form>
    </Dialog>
  );
}

/** Invite people to a community (and, for instance admins, to the instance): see Invites.tsx. */
export function InviteDialog(props: { open: boolean; onClose: () => void; communities: { id: string; name: string }[]; communityId: string | null }) {
  return (
    <Dialog open={props.open} title={t('Invite people')} onClose={props.onClose}>
      <InviteCreator communities={props.communities} communityId={props.communityId} />
    </Dialog>
  );
}

export function JoinDialog(props: { open: boolean; onClose: () => void }) {
  const [input, setInput] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const code = inviteCodeFrom(input());
    if (!code) return setError(t('That is not an invite code or link.'));
    setInput('');
    props.onClose();
    navigate(`/join/${code}`);
  };
  return (
    <Dialog open={props.open} title={t('Join a community')} onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>
          {t('Invite code or link')}
          <input name="invite" required value={input()} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <FormEnd error={error()} busy={false} label={t('Continue')} />
      </form>
    </Dialog>
  );
}

/** The page an invite link opens when signed in: what it leads to, and one button to accept. */
export function JoinCard(props: { code: string; onJoined: (c: CommunityView) => void }) {
  const f = useSubmit(() => joinByInvite(props.code), props.onJoined);
  const [usable, setUsable] = createSignal(false);
  return (
    <div class="welcome">
      <h2>{t('You are invited')}</h2>
      <InvitePreviewCard code={props.code} onLoaded={(p) => setUsable(p?.state === 'active' && p.kind === 'community')} />
      <Show when={usable()}>
        <form onSubmit={f.submit}>
          <FormEnd error={f.error()} busy={f.busy()} label={t('Join community')} />
        </form>
      </Show>
    </div>
  );
}

/** Usernames typed into one field: separated by commas, spaces or new lines, an optional leading @, no repeats. */
export function usernamesFrom(input: string): string[] {
  return [...new Set(input.split(/[\s,]+/).map((u) => u.replace(/^@/, '').trim()).filter(Boolean))];
}

/** Starts a DM with one person, or a group DM with up to MAX_GROUP_DM_MEMBERS - 1 others. */
export function DmDialog(props: { open: boolean; onClose: () => void; onStarted: (dm: Dm) => void }) {
  const [names, setNames] = createSignal('');
  const f = useSubmit(
    async () => {
      const wanted = usernamesFrom(names());
      if (wanted.length === 0) throw new Error(t('Name at least one person.'));
      if (wanted.length > MAX_GROUP_DM_MEMBERS - 1) throw new Error(t('A group conversation holds at most {count} people including you.', { count: MAX_GROUP_DM_MEMBERS }));
      const ids = await Promise.all(
        wanted.map((name) =>
          userByName(name).then(
            (u) => u.id,
            (e) => {
              throw e instanceof ApiRequestError && e.status === 404 ? new Error(t('There is no user named “{name}”.', { name })) : e;
            },
          ),
        ),
      );
      return (await createDm({ userIds: ids })).channel;
    },
    (dm) => (setNames(''), props.onClose(), props.onStarted(dm)),
  );
  return (
    <Dialog open={props.open} title={t('New direct message')} onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          {t('Usernames')} <span class="optional">{t('(several, separated by commas, start a group conversation of up to {count})', { count: MAX_GROUP_DM_MEMBERS })}</span>
          <input name="dmUsernames" required autocomplete="off" value={names()} onInput={(e) => setNames(e.currentTarget.value)} />
        </label>
        <FormEnd error={f.error()} busy={f.busy()} label={t('Start conversation')} />
      </form>
    </Dialog>
  );
}

export function LeaveCommunityDialog(props: { open: boolean; onClose: () => void; community: CommunityView | null; onLeft: () => void }) {
  const f = useSubmit(
    () => leaveCommunity(props.community!.community.id),
    () => (props.onClose(), props.onLeft()),
  );
  return (
    <Dialog open={props.open} title={t('Leave community')} onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <p>
          {t('Leave {community}? You stop receiving its messages; to come back you need a new invite.', { community: props.community?.community.name ?? '' })}
        </p>
        <FormEnd error={f.error()} busy={f.busy()} label={t('Leave community')} danger />
      </form>
    </Dialog>
  );
}
