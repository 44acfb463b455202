/**
 * The signed-in screen: community rail, channel or DM sidebar, message pane, and the dialogs to
 * create a community or channel, invite, join and start a DM. It starts the device's encryption
 * engine (provisioning keys on first sign-in on this device) and opens one ChannelSession for
 * the conversation on screen. Loaded lazily, with the crypto library, after sign-in.
 */
import { createEffect, createMemo, createResource, createSignal, For, lazy, on, onCleanup, Show, Suspense } from 'solid-js';
import { Permission } from '../../../protocol/permissions';
import {
  channelMembers,
  createChannel,
  createCommunity,
  createDm,
  createInvite,
  getCommunity,
  joinByInvite,
  listCommunities,
  listDms,
  type CommunityView,
  type Dm,
  type Invite,
} from '../api/communities';
import { ApiRequestError } from '../api/http';
import { userByName } from '../api/keys';
import { Dialog } from '../components/Dialog';
import { MessagePane } from '../components/MessagePane';
import { Engine } from '../e2ee/Engine';
import { navigate, route } from '../router';
import { ChannelSession } from '../stores/ChannelSession';
import { deviceDb } from '../stores/DeviceDb';
import { onSignOut, signOut, user } from '../stores/session';
import { deviceName } from './AuthScreens';

const SettingsScreen = lazy(() => import('./settings/SettingsScreen'));
const VerifyScreen = lazy(() => import('./VerifyScreen'));

const errorText = (e: unknown) => (e instanceof Error ? e.message : 'Something went wrong.');

/** Extracts an invite code from a code or a pasted link (…/#/join/<code>). */
export function inviteCodeFrom(input: string): string | null {
  const m = input.trim().match(/(?:join\/)?([A-Za-z0-9_-]{8,64})\/?$/);
  return m ? m[1]! : null;
}

export default function ChatScreen() {
  const me = () => user()!;
  const [engine] = createResource(async () => Engine.start(await deviceDb(), me(), deviceName()));
  const cryptoError = () => (engine.error ? errorText(engine.error) : null);
  onCleanup(onSignOut(() => engine()?.stop()));
  onCleanup(() => engine()?.stop());

  const [communities, { refetch: refetchCommunities }] = createResource(async () => (await listCommunities()).communities);
  const [dms, { refetch: refetchDms }] = createResource(async () => (await listDms()).dms);
  const [names, setNames] = createSignal(new Map<string, string>(), { equals: false });
  const learnNames = (rows: { userId: string; username: string | null; displayName: string | null }[]) => {
    const map = names();
    for (const r of rows) map.set(r.userId, r.displayName || r.username || 'unknown');
    setNames(map);
  };
  const nameOf = (id: string) => (id === me().id ? me().displayName || me().username : (names().get(id) ?? 'someone'));

  const communityId = () => {
    const r = route();
    return r.name === 'channel' || r.name === 'community' ? r.communityId : null;
  };
  const [community, { refetch: refetchCommunity }] = createResource(communityId, (id) => getCommunity(id).catch(() => null));
  const channelId = () => {
    const r = route();
    return r.name === 'channel' || r.name === 'dm' ? r.channelId : null;
  };

  // Opening a community without a channel shows its first channel.
  createEffect(() => {
    const r = route();
    const c = community();
    if (r.name === 'community' && c && c.channels[0]) navigate(`/c/${c.community.id}/${c.channels[0].id}`, true);
  });

  // A DM someone else started appears when the DM list is shown again.
  createEffect(on(() => route().name, (name, prev) => prev !== undefined && (name === 'home' || name === 'dm') && void refetchDms()));

  // DM names: the other member of each DM.
  createEffect(
    on(dms, (list) => {
      for (const dm of list ?? []) void channelMembers(dm.id).then((r) => learnNames(r.members)).catch(() => undefined);
    }),
  );

  const [db] = createResource(deviceDb);
  const activeSession = createMemo<ChannelSession | undefined>((prev) => {
    prev?.close();
    const id = channelId();
    const e = engine();
    const d = db();
    if (!id || !e || !d) return undefined;
    void channelMembers(id).then((r) => learnNames(r.members)).catch(() => undefined);
    return new ChannelSession(id, e, d);
  });
  onCleanup(() => activeSession()?.close());

  // A sender we have no name for (someone joined after the list was read): read the members again, at most every 5 s.
  let lastLookup = 0;
  createEffect(() => {
    const s = activeSession();
    if (!s) return;
    const unknown = s.view().some((m) => m.sender !== me().id && !names().has(m.sender));
    if (unknown && Date.now() - lastLookup > 5000) {
      lastLookup = Date.now();
      void channelMembers(s.channelId).then((r) => learnNames(r.members)).catch(() => undefined);
    }
  });

  const title = () => {
    const r = route();
    if (r.name === 'channel') {
      const ch = community()?.channels.find((c) => c.id === r.channelId);
      return ch ? `#${ch.name}` : '#…';
    }
    if (r.name === 'dm') {
      const dm = dms()?.find((d) => d.id === r.channelId);
      return dm ? dmTitle(dm) : 'Direct message';
    }
    return '';
  };
  const dmTitle = (dm: Dm) =>
    dm.memberIds
      .filter((id) => id !== me().id)
      .map(nameOf)
      .join(', ') || 'Just you';

  const can = (bit: number) => ((community()?.permissions ?? 0) & (bit | Permission.ADMINISTRATOR)) !== 0;

  // ── Dialogs ──────────────────────────────────────────────────────────────────────────────
  const [dialog, setDialog] = createSignal<null | 'community' | 'channel' | 'invite' | 'join' | 'dm'>(null);
  const close = () => setDialog(null);

  return (
    <div class="app">
      <nav class="rail" aria-label="Communities">
        <ul>
          <li>
            <a href="#/" class="rail-item" classList={{ active: communityId() === null }} aria-current={communityId() === null ? 'page' : undefined} aria-label="Direct messages" title="Direct messages">
              DM
            </a>
          </li>
          <For each={communities()}>
            {(c) => (
              <li>
                <a href={`#/c/${c.id}`} class="rail-item" classList={{ active: communityId() === c.id }} aria-current={communityId() === c.id ? 'page' : undefined} aria-label={c.name} title={c.name}>
                  {c.name.slice(0, 2).toUpperCase()}
                </a>
              </li>
            )}
          </For>
        </ul>
        <button type="button" class="rail-item add" aria-label="Create a community" title="Create a community" onClick={() => setDialog('community')}>
          +
        </button>
        <button type="button" class="rail-item add" aria-label="Join a community" title="Join a community" onClick={() => setDialog('join')}>
          ⇥
        </button>
      </nav>

      <aside class="sidebar" aria-label={communityId() ? 'Channels' : 'Direct messages'}>
        <Show
          when={communityId()}
          fallback={
            <>
              <div class="sidebar-head">
                <h2>Direct messages</h2>
                <button type="button" class="icon-button" aria-label="New direct message" title="New direct message" onClick={() => setDialog('dm')}>
                  +
                </button>
              </div>
              <ul class="channel-list">
                <For each={dms()} fallback={<li class="muted">No conversations yet.</li>}>
                  {(dm) => (
                    <li>
                      <a href={`#/dm/${dm.id}`} classList={{ active: channelId() === dm.id }} aria-current={channelId() === dm.id ? 'page' : undefined}>
                        {dmTitle(dm)}
                      </a>
                    </li>
                  )}
                </For>
              </ul>
            </>
          }
        >
          <div class="sidebar-head">
            <h2>{community()?.community.name ?? '…'}</h2>
            <Show when={can(Permission.MANAGE_INVITES)}>
              <button type="button" class="small" onClick={() => setDialog('invite')}>
                Invite
              </button>
            </Show>
          </div>
          <For each={[...(community()?.groups ?? []), { id: null, name: 'Other', communityId: '', position: 1e9 }]}>
            {(g) => {
              const chans = () => (community()?.channels ?? []).filter((c) => c.groupId === g.id && (c.kind === 'text' || c.kind === 'voice'));
              return (
                <Show when={chans().length > 0 || (g.id !== null && can(Permission.MANAGE_CHANNELS))}>
                  <section class="group">
                    <h3>{g.name}</h3>
                    <ul class="channel-list">
                      <For each={chans()}>
                        {(ch) => (
                          <li>
                            <a href={`#/c/${ch.communityId}/${ch.id}`} classList={{ active: channelId() === ch.id }} aria-current={channelId() === ch.id ? 'page' : undefined}>
                              # {ch.name}
                            </a>
                          </li>
                        )}
                      </For>
                    </ul>
                  </section>
                </Show>
              );
            }}
          </For>
          <Show when={can(Permission.MANAGE_CHANNELS)}>
            <button type="button" class="small" onClick={() => setDialog('channel')}>
              Create channel
            </button>
          </Show>
        </Show>
        <div class="me">
          <span class="me-name">{me().displayName || me().username}</span>
          <a href="#/settings" class="small button-link" aria-current={route().name === 'settings' ? 'page' : undefined}>
            Settings
          </a>
          <button type="button" class="small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </aside>

      <main class="main">
        <Show when={route().name === 'join'}>
          <JoinCard code={(route() as { code: string }).code} onJoined={(c) => (void refetchCommunities(), navigate(`/c/${c.community.id}/${c.channels[0]?.id ?? ''}`))} />
        </Show>
        <Show when={channelId()}>
          <MessagePane title={title()} session={activeSession()} me={me().id} nameOf={nameOf} cryptoError={cryptoError()} hubOnline={engine()?.hub.status() === 'open'} />
        </Show>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Show when={route().name === 'settings'}>
            <SettingsScreen section={(route() as { section: string }).section} engine={engine()} />
          </Show>
          <Show when={route().name === 'verify'}>
            <VerifyScreen userId={(route() as { userId: string }).userId} engine={engine()} nameOf={nameOf} />
          </Show>
        </Suspense>
        <Show when={!channelId() && !['join', 'settings', 'verify'].includes(route().name)}>
          <div class="welcome">
            <h2>Welcome, {me().displayName || me().username}</h2>
            <Show when={engine.loading}>
              <p role="status">Setting up encryption on this device…</p>
            </Show>
            <Show when={cryptoError()}>
              <p class="banner banner-bad" role="alert">
                Encryption could not start on this device ({cryptoError()}). Sending is disabled.
              </p>
            </Show>
            <p>Pick a conversation, create a community, or start a direct message.</p>
          </div>
        </Show>
      </main>

      <CreateCommunityDialog open={dialog() === 'community'} onClose={close} onCreated={(c) => (void refetchCommunities(), navigate(`/c/${c.community.id}/${c.channels[0]?.id ?? ''}`))} />
      <CreateChannelDialog open={dialog() === 'channel'} onClose={close} community={community() ?? null} onCreated={(id) => (void refetchCommunity(), navigate(`/c/${communityId()}/${id}`))} />
      <InviteDialog open={dialog() === 'invite'} onClose={close} communityId={communityId()} />
      <JoinDialog open={dialog() === 'join'} onClose={close} />
      <DmDialog open={dialog() === 'dm'} onClose={close} onStarted={(dm) => (void refetchDms(), navigate(`/dm/${dm.id}`))} />
    </div>
  );
}

function useSubmit<T>(fn: () => Promise<T>, done: (v: T) => void) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      done(await fn());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

function CreateCommunityDialog(props: { open: boolean; onClose: () => void; onCreated: (c: CommunityView) => void }) {
  const [name, setName] = createSignal('');
  const f = useSubmit(
    () => createCommunity({ name: name() }),
    (c) => (setName(''), props.onClose(), props.onCreated(c)),
  );
  return (
    <Dialog open={props.open} title="Create a community" onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          Community name
          <input name="communityName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <p class="error" role="alert">
          {f.error()}
        </p>
        <button type="submit" class="primary" disabled={f.busy()}>
          Create
        </button>
      </form>
    </Dialog>
  );
}

function CreateChannelDialog(props: { open: boolean; onClose: () => void; community: CommunityView | null; onCreated: (id: string) => void }) {
  const [name, setName] = createSignal('');
  const [groupId, setGroupId] = createSignal('');
  const f = useSubmit(
    () => createChannel(props.community!.community.id, { name: name(), kind: 'text', ...(groupId() ? { groupId: groupId() } : {}) }),
    (r) => (setName(''), props.onClose(), props.onCreated(r.channel.id)),
  );
  return (
    <Dialog open={props.open} title="Create a channel" onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          Channel name
          <input name="channelName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Group
          <select name="group" value={groupId()} onChange={(e) => setGroupId(e.currentTarget.value)}>
            <option value="">No group</option>
            <For each={props.community?.groups ?? []}>{(g) => <option value={g.id}>{g.name}</option>}</For>
          </select>
        </label>
        <p class="error" role="alert">
          {f.error()}
        </p>
        <button type="submit" class="primary" disabled={f.busy()}>
          Create
        </button>
      </form>
    </Dialog>
  );
}

const EXPIRY = [
  { label: 'Never', seconds: 0 },
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
  { label: '30 days', seconds: 2_592_000 },
];

function InviteDialog(props: { open: boolean; onClose: () => void; communityId: string | null }) {
  const [maxUses, setMaxUses] = createSignal('');
  const [expiry, setExpiry] = createSignal('604800');
  const [invite, setInvite] = createSignal<Invite | null>(null);
  const f = useSubmit(
    () =>
      createInvite(props.communityId!, {
        ...(maxUses() ? { maxUses: Number(maxUses()) } : {}),
        ...(Number(expiry()) > 0 ? { expiresInSeconds: Number(expiry()) } : {}),
      }),
    (i) => setInvite(i),
  );
  const link = () => (invite() ? `${location.origin}/#/join/${invite()!.code}` : '');
  const closeAll = () => (setInvite(null), props.onClose());
  return (
    <Dialog open={props.open} title="Invite people" onClose={closeAll}>
      <Show
        when={invite()}
        fallback={
          <form onSubmit={f.submit}>
            <label>
              Maximum uses <span class="optional">(empty: unlimited)</span>
              <input name="maxUses" type="number" min="1" max="100000" value={maxUses()} onInput={(e) => setMaxUses(e.currentTarget.value)} />
            </label>
            <label>
              Expires after
              <select name="expiry" value={expiry()} onChange={(e) => setExpiry(e.currentTarget.value)}>
                <For each={EXPIRY}>{(x) => <option value={String(x.seconds)}>{x.label}</option>}</For>
              </select>
            </label>
            <p class="error" role="alert">
              {f.error()}
            </p>
            <button type="submit" class="primary" disabled={f.busy()}>
              Create invite
            </button>
          </form>
        }
      >
        <label>
          Invite code
          <input readOnly name="inviteCode" value={invite()!.code} data-testid="invite-code" />
        </label>
        <label>
          Invite link
          <input readOnly name="inviteLink" value={link()} data-testid="invite-link" />
        </label>
        <button type="button" class="primary" onClick={() => void navigator.clipboard?.writeText(link()).catch(() => undefined)}>
          Copy link
        </button>
      </Show>
    </Dialog>
  );
}

function JoinDialog(props: { open: boolean; onClose: () => void }) {
  const [input, setInput] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const code = inviteCodeFrom(input());
    if (!code) return setError('That is not an invite code or link.');
    setInput('');
    props.onClose();
    navigate(`/join/${code}`);
  };
  return (
    <Dialog open={props.open} title="Join a community" onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>
          Invite code or link
          <input name="invite" required value={input()} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <p class="error" role="alert">
          {error()}
        </p>
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    </Dialog>
  );
}

function JoinCard(props: { code: string; onJoined: (c: CommunityView) => void }) {
  const f = useSubmit(() => joinByInvite(props.code), props.onJoined);
  return (
    <div class="welcome">
      <h2>You are invited</h2>
      <p>Someone invited you to a community on this instance.</p>
      <form onSubmit={f.submit}>
        <p class="error" role="alert">
          {f.error()}
        </p>
        <button type="submit" class="primary" disabled={f.busy()}>
          Join community
        </button>
      </form>
    </div>
  );
}

function DmDialog(props: { open: boolean; onClose: () => void; onStarted: (dm: Dm) => void }) {
  const [username, setUsername] = createSignal('');
  const f = useSubmit(
    async () => {
      let other;
      try {
        other = await userByName(username().trim());
      } catch (e) {
        if (e instanceof ApiRequestError && e.status === 404) throw new Error(`There is no user named “${username().trim()}”.`);
        throw e;
      }
      return (await createDm({ userIds: [other.id] })).channel;
    },
    (dm) => (setUsername(''), props.onClose(), props.onStarted(dm)),
  );
  return (
    <Dialog open={props.open} title="New direct message" onClose={props.onClose}>
      <form onSubmit={f.submit}>
        <label>
          Username
          <input name="dmUsername" required value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <p class="error" role="alert">
          {f.error()}
        </p>
        <button type="submit" class="primary" disabled={f.busy()}>
          Start conversation
        </button>
      </form>
    </Dialog>
  );
}
