/**
 * The signed-in screen: community rail, channel or DM sidebar (both with unread and mention
 * badges from the user hub), and the conversation with its tool bar, key-change banner, message
 * pane and member list. On a narrow screen (≤ 700 px) the rail and sidebar become a drawer
 * opened by a menu button. It starts the device's encryption engine (provisioning keys on first
 * sign-in on this device), keeps the hub state (stores/hub.ts) and opens one ChannelSession for
 * the conversation on screen. Loaded lazily, with the crypto library, after sign-in.
 *
 * It does not draw messages (MessagePane) or decide permissions (the server does; the buttons
 * shown follow the user's community bits only so nobody is offered what will be refused).
 */
import { DisappearOptions } from '../components/messages/disappearing';
import { listFormat, locale, t } from '../i18n';
import { warmTimeFormats } from '../components/messages/messageTime';
import { preferences } from '../stores/preferences';
import { createEffect, createMemo, createResource, createRoot, createSignal, For, lazy, on, onCleanup, Show, startTransition, Suspense, untrack } from 'solid-js';
import { mayModerate, Permission, RANK, type BuiltInRole } from '../../../protocol/permissions';
import { isWebhookSender } from '../../../protocol/webhooks';
import { errorText } from '../api/errorText';
import { keepIfSame, keepOnFailure } from '../api/keepOnFailure';
import { listsMayHaveMissedChanges } from '../stores/listsFreshness';
import { acceptDm, channelMembers, communityTheme, createDm, kickMember, communityMembers, declineDm, getCommunity, leaveDm, listCommunities, listDms, listRoles, type Channel, type CommunityMember, type Dm, setDmDisappearing } from '../api/communities';
import { ChannelSettingsDialog } from '../components/ChannelSettingsDialog';
import { WebhooksDialog } from '../components/WebhooksDialog';
import {
  CreateChannelDialog,
  CreateCommunityDialog,
  CreateGroupDialog,
  DmDialog,
  InviteDialog,
  JoinCard,
  JoinDialog,
  LeaveCommunityDialog,
} from '../components/CommunityDialogs';
import { CommunityRail } from '../components/CommunityRail';
import { KeyChangeBanner } from '../components/KeyChangeBanner';
import { canRestore, requestRestore, RestoreBanner } from '../components/KeyBackup';
import { MemberList, type MemberRow } from '../components/MemberList';
import { MessagePane } from '../components/MessagePane';
import { SearchPanel, type SearchPlace } from '../components/SearchPanel';
import { requestJump } from '../search/jump';
import { CallView } from '../components/CallView';
import { activeCall, callToResume, dismissCall, endActiveCall, joinCall } from '../calls/activeCall';
import { createRinging } from '../calls/ringing';
import type { CallNotice } from '../e2ee/MessageBody';
import { callUsers } from '../api/calls';
import { RolesEditor } from '../components/RolesEditor';
import { CommunityReportsDialog } from '../components/moderation/ReportQueue';
import { useWarnings, WarningsBanner } from '../components/moderation/WarningsBanner';
import { AnnouncementBanners, useAnnouncements } from '../components/moderation/Announcements';
import { PurgeDialog } from '../components/moderation/PurgeDialog';
import { notifyArrival } from '../notifications/desktop';
import { keepPushInStep } from '../notifications/push';
import { notificationPrefs } from '../notifications/prefs';
import { saveDirectory, type PushDirectory } from '../stores/pushDirectory';
import { ReportTargetDialog, WarnDialog, type ReportTarget } from '../components/moderation/ReportTargetDialog';
import { blocksOf, isBlocked, toggleBlock } from '../components/moderation/Blocks';
import { AppearanceDialog, EmojiDialog, GroupLookDialog } from '../components/CommunityLook';
import { listEmoji } from '../api/images';
import { CommunitySidebar, DmSidebar, type SidebarAction } from '../components/Sidebar';
import { DmRequestCard } from '../components/DmRequestCard';
import { GettingStarted } from '../components/GettingStarted';
import { QuickSwitcher, ShortcutsDialog, shortcutFor, type SwitchTarget } from '../components/KeyboardNav';
import type { Counts } from '../components/UnreadBadge';
import type { Engine } from '../e2ee/Engine';
import { navigate, route } from '../router';
import { ChannelSession } from '../stores/ChannelSession';
import { deviceDb } from '../stores/DeviceDb';
import { ImportDiscordDialog } from '../components/ImportDiscord';
import { createHub } from '../stores/hub';
import { onSignOut, signOut, updateUser, user } from '../stores/session';
import { fetchMe } from '../api/account';
import { createTrust } from '../stores/trust';
import { deviceName } from './AuthScreens';
import { Icon } from '../components/Icon';
import { Later } from '../components/Later';
import { ScreenFailure } from '../components/ScreenFailure';

const SettingsScreen = lazy(() => import('./settings/SettingsScreen'));
const VerifyScreen = lazy(() => import('./VerifyScreen'));

/** How long a forwarded message may wait to be sent through its own channel connection before that connection is closed, ms. */
const FORWARD_TIMEOUT_MS = 60_000;
/** Least time between two re-reads of the community and DM lists prompted by an unknown channel, ms. */
const LIST_REFRESH_MS = 5_000;
/** Changes announced within this window are read as one, ms. */
const LIST_CHANGE_COALESCE_MS = 100;

const sum = (list: (Counts | undefined)[]): Counts => list.reduce<Counts>((t, c) => ({ unread: t.unread + (c?.unread ?? 0), mentions: t.mentions + (c?.mentions ?? 0) }), { unread: 0, mentions: 0 });

type ConversationMember = Awaited<ReturnType<typeof channelMembers>>['members'][number];

export default function ChatScreen() {
  const me = () => user()!;
  /** The account's quarantine (issue #16), read without `me()`: signing out empties the user while this screen is still up. */
  const quarantine = () => user()?.quarantine ?? null;
  /** Warnings moderators gave this account (issue #16), and re-reading the account when the hub says its standing changed. */
  const { warnings, refetch: refetchWarnings } = useWarnings();
  /** The member whose messages a moderator is purging (issue #16). */
  const [purging, setPurging] = createSignal<{ userId: string; name: string } | null>(null);
  const [warning, setWarning] = createSignal<{ userId: string; name: string } | null>(null);
  /** A person or community being reported to the instance's admins (issue #16). */
  const [reporting, setReporting] = createSignal<ReportTarget | null>(null);
  /** Instance-wide announcements (issue #16 item 6), read again whenever the hub (re)connects. */
  const { announcements, refetch: refetchAnnouncements, dismiss: dismissAnnouncement } = useAnnouncements();
  blocksOf(me().id);
  onCleanup(() => blocksOf(null));
  const refreshAccount = () => {
    void fetchMe().then(updateUser, () => undefined);
    void refetchWarnings();
  };
  // While the engine starts and the lists are read: the first rows drawn need these.
  warmTimeFormats(untrack(preferences).clock, untrack(locale));
  // The engine and its crypto library arrive as a chunk of their own: evaluated in a task after
  // the screen's first one rather than inside it (the chat chunk's evaluation was the second
  // longest task of opening the chat on a phone, bench/longtasks.mjs). Cached rows need no key.
  const [engine] = createResource(async () => {
    const [{ Engine }, db] = await Promise.all([import('../e2ee/Engine'), deviceDb()]);
    return Engine.start(db, me(), deviceName());
  });
  const cryptoError = () => (engine.error ? errorText(engine.error) : null);
  onCleanup(
    onSignOut(async () => {
      const e = engine();
      // A device that leaves takes itself off the signed list (when it holds the account key).
      await e?.lists.withdraw(e.deviceId).catch(() => undefined);
      endActiveCall();
      e?.stop();
    }),
  );
  onCleanup(() => (endActiveCall(), engine()?.stop()));
  const hub = createHub(() => engine());
  const trust = createMemo(() => (engine() ? createTrust(engine()!) : undefined));

  // ── What is on screen ──────────────────────────────────────────────────────────────────────
  // Memos, so what depends on the open conversation (its session above all) moves only when the
  // conversation does, not on every route change within it.
  const communityId = createMemo(() => {
    const r = route();
    return r.name === 'channel' || r.name === 'community' ? r.communityId : null;
  });
  const channelId = createMemo(() => {
    const r = route();
    return r.name === 'channel' || r.name === 'dm' ? r.channelId : null;
  });

  // ── Names ──────────────────────────────────────────────────────────────────────────────────
  const [names, setNames] = createSignal(new Map<string, string>(), { equals: false });
  const [avatars, setAvatars] = createSignal(new Map<string, string | null>(), { equals: false });
  const [statuses, setStatuses] = createSignal(new Map<string, string | null>(), { equals: false });
  const [banners, setBanners] = createSignal(new Map<string, string | null>(), { equals: false });
  const learnNames = (rows: { userId: string; username: string | null; displayName: string | null; avatarId?: string | null; bannerId?: string | null; statusText?: string | null }[]) => {
    const map = names();
    const pictures = avatars();
    const said = statuses();
    const wide = banners();
    let changed = false;
    let newPicture = false;
    let newStatus = false;
    let newBanner = false;
    for (const r of rows) {
      const name = r.displayName || r.username || 'unknown';
      if (map.get(r.userId) !== name) (map.set(r.userId, name), (changed = true));
      if (r.avatarId !== undefined && pictures.get(r.userId) !== r.avatarId) (pictures.set(r.userId, r.avatarId), (newPicture = true));
      if (r.statusText !== undefined && said.get(r.userId) !== r.statusText) (said.set(r.userId, r.statusText), (newStatus = true));
      if (r.bannerId !== undefined && wide.get(r.userId) !== r.bannerId) (wide.set(r.userId, r.bannerId), (newBanner = true));
    }
    // Every row's name and lock reads this map: only a new or changed name redraws them.
    if (changed) setNames(map);
    if (newPicture) setAvatars(pictures);
    if (newStatus) setStatuses(said);
    if (newBanner) setBanners(wide);
  };
  const statusOf = (id: string) => (id === me().id ? me().statusText : statuses().get(id)) ?? null;
  // A name or status changed while it is on screen: shown at once (the hub's `profile` frame).
  onCleanup(
    hub.onProfile((p) => {
      if (p.userId === me().id) updateUser({ ...me(), displayName: p.displayName, statusText: p.statusText, avatarId: p.avatarId, bannerId: p.bannerId });
      else learnNames([p]);
    }),
  );
  const nameOf = (id: string) => (id === me().id ? me().displayName || me().username : (names().get(id) ?? t('someone')));
  const avatarOf = (id: string) => (id === me().id ? me().avatarId : avatars().get(id)) ?? null;
  /** What a person's page shows above their safety numbers. */
  const profileOf = (id: string) => ({ name: nameOf(id), avatarId: avatarOf(id), bannerId: (id === me().id ? me().bannerId : banners().get(id)) ?? null, status: statusOf(id) });

  // ── Communities, DMs, members ──────────────────────────────────────────────────────────────
  /** When this screen last started reading all its lists (performance.now()): as it opened, then at each full re-read. */
  let listsReadAt = performance.now();
  const [communities, { refetch: refetchCommunities }] = createResource(keepOnFailure(async () => (await listCommunities()).communities));
  // Every community's channels, so the rail can sum each one's unread counts.
  const [views, { refetch: refetchViews }] = createResource(communities, keepIfSame((list: { id: string }[]) => Promise.all(list.map((c) => getCommunity(c.id).catch(() => null)))));
  const [community, { refetch: refetchCommunityView }] = createResource(communityId, keepIfSame((id: string) => getCommunity(id).catch(() => null)));
  const refetchCommunity = () => (void refetchCommunityView(), void refetchViews());
  const [dmLists, { refetch: refetchDms }] = createResource(keepOnFailure(listDms));
  const dms = () => dmLists()?.dms;
  /** DM requests others sent this user, not answered yet (hardening #11.8). */
  const requests = () => dmLists()?.requests;
  const currentRequest = () => requests()?.find((d) => d.id === channelId());
  /** Whether the open route is a request to this user: a boolean memo, so the session moves only when it changes. */
  const requestOpen = createMemo(() => currentRequest() !== undefined);
  // Not for a request to this user: its member list opens only once they accept (then this reads it).
  const [convMembers, { refetch: refetchConvMembers }] = createResource<ConversationMember[], string>(() => (requestOpen() ? null : channelId()), keepIfSame((id, { value, refetching }) =>
    channelMembers(id)
      .then((r) => (learnNames(r.members), r.members))
      .catch((): ConversationMember[] => (refetching ? value : undefined) ?? []),
  ));
  /** The conversation's encrypted webhooks' bot accounts (issue #17 item 4): their posts carry a badge. */
  const bots = createMemo(() => new Set((convMembers() ?? []).filter((m) => m.bot).map((m) => m.userId)));
  const [commMembers, { refetch: refetchCommMembers }] = createResource<CommunityMember[], string>(communityId, keepIfSame((id, { value, refetching }) =>
    communityMembers(id)
      .then((r) => (learnNames(r.members), r.members))
      .catch((): CommunityMember[] => (refetching ? value : undefined) ?? []),
  ));
  const [roles, { refetch: refetchRoles }] = createResource(communityId, keepIfSame((id: string) => listRoles(id).then((r) => r.roles, () => [])));
  // The community's custom emoji (issue #13 item 6): `:name:` in its messages and reactions.
  /** The community's theme (issue #16 item 8): sanitized by the server, scoped to <main>, unless this device turned themes off. */
  // A signal, not a resource: the screen must not suspend while a theme loads.
  const [theme, setTheme] = createSignal<{ id: string; css: string | null } | null>(null);
  const refetchTheme = async () => {
    const id = untrack(communityId);
    if (!id) return setTheme(null);
    const css = await communityTheme(id).then((r) => r.css, () => null);
    const now = untrack(theme);
    if (untrack(communityId) === id && (now?.id !== id || now.css !== css)) setTheme({ id, css });
  };
  createEffect(on(communityId, () => void refetchTheme()));
  const themeCss = () => (preferences().communityThemes && communityId() && theme()?.id === communityId() ? (theme()?.css ?? null) : null);
  // Applied through the CSSOM: the page's CSP refuses inline <style>, and a constructed sheet is
  // parsed as CSS only (an @import in it would be ignored, were one to survive the server).
  const themeSheet = new CSSStyleSheet();
  createEffect(() => {
    const css = themeCss();
    themeSheet.replaceSync(css ?? '');
    const others = document.adoptedStyleSheets.filter((x) => x !== themeSheet);
    document.adoptedStyleSheets = css ? [...others, themeSheet] : others;
  });
  onCleanup(() => (document.adoptedStyleSheets = document.adoptedStyleSheets.filter((x) => x !== themeSheet)));
  const [customEmoji, { refetch: refetchEmoji }] = createResource(communityId, keepIfSame((id: string) => listEmoji(id).then((r) => r.emoji, () => [])));
  // Read only once ready: the messages never wait (under Suspense) for the emoji list; until it
  // arrives `:name:` shows as text.
  const emojiImages = createMemo(() => new Map((customEmoji.state === 'ready' || customEmoji.state === 'refreshing' ? (customEmoji.latest ?? []) : []).map((e) => [e.name, e.imageId])));

  // Opening a community without a channel shows its first channel.
  createEffect(() => {
    const r = route();
    const c = community();
    const first = c?.channels.find((ch) => !ch.archived) ?? c?.channels[0];
    if (r.name === 'community' && c && first) navigate(`/c/${c.community.id}/${first.id}`, true);
  });
  // A DM someone else started appears when the DM list is shown again.
  createEffect(on(() => route().name, (name, prev) => prev !== undefined && (name === 'home' || name === 'dm') && void refetchDms()));
  // Live lists: the hub says when a list shown here changed (someone joined, left, was kicked or
  // banned, roles or channels moved, a DM or request arrived or was answered), and it is read
  // again — coalesced, so a burst of changes costs one read. A reconnected hub may have missed
  // some: everything is read again then.
  const pendingReads = new Set<string>();
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  /** Re-reads waiting or in flight: the member list says it is updating (aria-busy) meanwhile. */
  const [rereading, setRereading] = createSignal(0);
  const reread = (what: string) => {
    pendingReads.add(what);
    if (readTimer === undefined) setRereading((n) => n + 1);
    readTimer ??= setTimeout(() => {
      let done: Promise<void> = Promise.resolve();
      void startTransition(() => void (done = rereadNow()));
      // A read that fails (the connection dropped meanwhile) leaves the lists as they were: the
      // hub's `ready` on reconnecting reads everything again.
      void done.catch((e: unknown) => console.debug('lists not read again', e)).finally(() => setRereading((n) => n - 1));
    }, LIST_CHANGE_COALESCE_MS);
  };
  /**
   * Runs inside a transition: the screen keeps showing the lists it has while they are read again,
   * instead of the app's Suspense fallback replacing the whole chat screen for the moment.
   */
  const rereadNow = async () => {
    readTimer = undefined;
    const all = [...pendingReads];
    pendingReads.clear();
    if (all.includes('all')) listsReadAt = performance.now();
    if (all.includes('dms') || all.includes('all')) void Promise.resolve(refetchDms()).catch((e: unknown) => console.debug('direct messages not read again', e));
    const communityChanged = all.filter((w) => w !== 'dms');
    if (communityChanged.length === 0) return;
    const here = communityId();
    const list = await refetchCommunities();
    if (!here || !(communityChanged.includes(here) || communityChanged.includes('all'))) return;
    // Removed from the community on screen: the effect below leaves it; nothing to read again.
    if (list && !list.some((c) => c.id === here)) return;
    let reads: unknown[] = [];
    await startTransition(() => void (reads = [refetchCommunityView(), refetchCommMembers(), refetchRoles(), refetchEmoji(), refetchTheme()]));
    const [view] = await Promise.allSettled(reads);
    // The channel on screen may be the one just deleted (its settings dialog deletes it): its
    // members are read again only while it is still there, not asked of the server as a 404.
    // Judged on the view this read just fetched: the resource's own value is still the one from
    // before while the transition runs (a CI run asked for a deleted channel's members so).
    const fresh = view?.status === 'fulfilled' ? (view.value as ReturnType<typeof community>) : untrack(community);
    const open = untrack(channelId);
    if (open && fresh?.channels.some((c) => c.id === open)) await startTransition(() => void refetchConvMembers());
  };
  onCleanup(() => clearTimeout(readTimer));
  // Removed from the community on screen (kicked, banned), whichever re-read of the list noticed
  // it (a hub `changed` frame, or the unknown-channel refresh below): leave it and say so. Only a
  // community this screen has seen in the list counts, so a link to one not yet loaded stays.
  const seenCommunities = new Map<string, string>();
  createEffect(() => {
    const list = communities();
    if (!list) return;
    for (const c of list) seenCommunities.set(c.id, c.name);
    const here = untrack(communityId);
    if (!here || list.some((c) => c.id === here) || !seenCommunities.has(here)) return;
    const name = seenCommunities.get(here);
    navigate('/', true);
    setForwardStatus(name ? t('You are no longer a member of {community}.', { community: name }) : t('You are no longer a member of that community.'));
  });
  createEffect(() => {
    const e = engine();
    if (!e) return;
    onCleanup(
      e.onHub((f) => {
        if (f.type === 'changed' && f.scope === 'account') void refreshAccount();
        else if (f.type === 'changed') reread(f.scope === 'dms' ? 'dms' : f.id);
        // Also on the first: a change made between the first list reads and the hub's connection
        // was announced to no socket of this device. The hub says when it last announced one.
        else if (f.type === 'ready') {
          if (listsMayHaveMissedChanges(f.listsChangedAgo, performance.now() - listsReadAt)) reread('all');
          void refetchAnnouncements();
        }
      }),
    );
  });
  // DM names: the other members of each DM and request, read once per conversation.
  const namesAsked = new Set<string>();
  createEffect(
    on(dmLists, (lists) => {
      for (const r of lists?.requests ?? []) learnNames(r.people);
      for (const dm of lists?.dms ?? []) {
        if (namesAsked.has(dm.id)) continue;
        namesAsked.add(dm.id);
        void channelMembers(dm.id).then((r) => learnNames(r.members)).catch(() => namesAsked.delete(dm.id));
      }
    }),
  );
  // A channel the hub counts but no list here holds (a new DM, a channel created or a community
  // joined elsewhere): read the lists again, at most every few seconds.
  let lastListRefresh = 0;
  createEffect(() => {
    if (views.loading || dmLists.loading) return;
    const known = new Set([...(views() ?? []).flatMap((v) => v?.channels.map((c) => c.id) ?? []), ...(dms() ?? []).map((d) => d.id), ...(community()?.channels.map((c) => c.id) ?? [])]);
    const unknown = hub.channels().some((id) => !known.has(id));
    if (!unknown || Date.now() - lastListRefresh < LIST_REFRESH_MS) return;
    lastListRefresh = Date.now();
    // In a transition, like the live re-reads: outside one, the app's Suspense fallback replaced
    // the chat screen for a moment and the composer came back empty (a newcomer's first message,
    // typed as the lists were read again, was lost).
    const here = communityId();
    void startTransition(() => {
      void refetchCommunities();
      void refetchDms();
      if (here) void refetchCommunityView();
    });
  });
  // Presence: this user, everyone in the conversation on screen, and every DM partner.
  createEffect(() => hub.watch([me().id, ...(convMembers() ?? []).map((m) => m.userId), ...(dms() ?? []).flatMap((d) => d.memberIds)]));

  const currentDm = () => dms()?.find((d) => d.id === channelId());
  /** The people a request of this user's own still waits for, in its 1:1 DM. */
  const waitingFor = () => {
    const dm = currentDm();
    return dm && dm.kind === 'dm' && dm.pendingIds.length > 0 ? dm.pendingIds.map(nameOf) : [];
  };
  const currentChannel = () => community()?.channels.find((c) => c.id === channelId());
  const dmTitle = (dm: Dm) =>
    [...dm.memberIds, ...(dm.pendingIds ?? [])]
      .filter((id) => id !== me().id)
      .map(nameOf)
      .sort((a, b) => a.localeCompare(b))
      .join(', ') || t('Just you');
  const title = () => {
    const r = route();
    if (r.name === 'channel') return currentChannel() ? `#${currentChannel()!.name}` : '#…';
    if (r.name === 'dm') return currentDm() ? dmTitle(currentDm()!) : currentRequest() ? dmTitle(currentRequest()!) : t('Direct message');
    return '';
  };
  /** The communities this user may make invites for. */
  const invitable = () =>
    (views() ?? []).flatMap((v) => (v && (v.permissions & (Permission.MANAGE_INVITES | Permission.ADMINISTRATOR)) !== 0 ? [{ id: v.community.id, name: v.community.name }] : []));
  const can = (bit: number) => ((community()?.permissions ?? 0) & (bit | Permission.ADMINISTRATOR)) !== 0;

  // ── Calls (issue #14): in voice channels, DMs and group DMs ───────────────────────────────
  const callable = () => !!engine() && !requestOpen() && (currentChannel()?.kind === 'voice' || !!currentDm());
  /** Who is in the open conversation's call, as its room says. */
  const callRoster = () => activeSession()?.callRoster() ?? [];
  const inThisCall = () => {
    const a = activeCall();
    return !!a && a.call.channelId === channelId() && ['joining', 'joined'].includes(a.call.state());
  };
  /**
   * Posts a call notice ("missed", "ended after …") into a DM as an ordinary encrypted message:
   * through the open conversation's session, or a short-lived one when another is on screen.
   */
  const postNotice = (channelId: string, notice: CallNotice) => {
    const open = activeSession();
    if (open?.channelId === channelId) return open.enqueue('message', { v: 1, call: notice });
    const e = engine();
    const d = db();
    if (!e || !d) return;
    const session = new ChannelSession(channelId, e, d);
    session.enqueue('message', { v: 1, call: notice });
    createRoot((dispose) => {
      const give = setTimeout(() => (session.close(), dispose()), 60_000);
      createEffect(() => {
        if (session.queued() === 0) (clearTimeout(give), session.close(), dispose());
      });
    });
  };
  const callOptions = (channelId: string, dm: Dm | undefined) => ({ oneToOne: dm?.kind === 'dm', ...(dm ? { onNotice: (n: CallNotice) => postNotice(channelId, n) } : {}) });
  const startCall = (video = false) => {
    const e = engine();
    const id = channelId();
    if (e && id) joinCall(e, id, title(), { video, ...callOptions(id, currentDm()) });
  };
  const ring = createRinging(engine, () => me().id);
  // A reload in the middle of a call joins it again, once the engine and the DM list are there.
  let resumed = false;
  createEffect(() => {
    const e = engine();
    const list = dms();
    if (resumed || !e || list === undefined) return;
    resumed = true;
    const r = callToResume();
    if (r) joinCall(e, r.channelId, r.title, { video: r.video, ...callOptions(r.channelId, list.find((d) => d.id === r.channelId)) });
  });
  // Who is in each voice channel of the open community: read once when it opens, then kept live
  // by the hub's `voice` frames (and by the open channel's own roster).
  const [voiceRosters, setVoiceRosters] = createSignal(new Map<string, string[]>());
  const setVoice = (channelId: string, userIds: string[]) => setVoiceRosters((m) => new Map(m).set(channelId, userIds));
  createEffect(
    on(community, (c) => {
      for (const ch of c?.channels ?? []) if (ch.kind === 'voice' && !ch.archived) void callUsers(ch.id).then((r) => setVoice(ch.id, r.userIds), () => undefined);
    }),
  );
  createEffect(() => {
    const e = engine();
    if (e) onCleanup(e.onHub((f) => f.type === 'voice' && setVoice(f.channelId, f.userIds)));
  });
  createEffect(() => {
    const s = activeSession();
    if (s && currentChannel()?.kind === 'voice') setVoice(s.channelId, [...new Set(s.callRoster().map((p) => p.userId))]);
  });
  /** Answers a ringing DM call: opens the conversation and joins its call. */
  const answer = (channelId: string) => {
    const e = engine();
    const dm = dms()?.find((d) => d.id === channelId);
    ring.answered(channelId);
    navigate(`/dm/${channelId}`);
    if (e) joinCall(e, channelId, dm ? dmTitle(dm) : t('Direct message'), callOptions(channelId, dm));
  };
  const endedText = (call: NonNullable<ReturnType<typeof activeCall>>['call']) => {
    const d = call.declined();
    if (call.state() === 'unanswered') return t('No answer.');
    if (call.state() === 'declined' && d) return d.reason === 'busy' ? t('{name} is busy in another call.', { name: nameOf(d.userId) }) : t('{name} declined the call.', { name: nameOf(d.userId) });
    return call.warning() ?? t('The call ended.');
  };

  // ── Desktop notifications (issue #17 item 1) ───────────────────────────────────────────────
  /** Where a conversation is, for its notification: its title, community and address. */
  const describeConversation = (id: string) => {
    const dm = dms()?.find((d) => d.id === id);
    if (dm) return { title: dmTitle(dm), communityId: null, href: `/dm/${id}` };
    for (const view of [community(), ...(views() ?? [])]) {
      const ch = view?.channels.find((c) => c.id === id);
      if (view && ch) return { title: `#${ch.name} · ${view.community.name}`, communityId: view.community.id, href: `/c/${view.community.id}/${id}` };
    }
    return { title: t('New message'), communityId: null, href: '/' };
  };
  onCleanup(hub.onArrival((u, mention) => notifyArrival({ current: () => channelId() ?? null, describe: describeConversation, open: (href) => navigate(href) }, u, mention)));
  // Web Push (issue #17 item 2): the server's copy of this device's levels follows them, and the
  // service worker finds the names its notifications show here (it decrypts the text itself).
  onCleanup(keepPushInStep());
  // (The data export in Settings → Your data reads the same names.)
  createEffect(() => {
    const conversations: PushDirectory['conversations'] = {};
    for (const dm of dms() ?? []) conversations[dm.id] = { title: dmTitle(dm), short: dmTitle(dm), href: `/dm/${dm.id}`, direct: dm.memberIds.length + (dm.pendingIds?.length ?? 0) <= 2 };
    for (const view of [community(), ...(views() ?? [])]) {
      if (view) for (const ch of view.channels) conversations[ch.id] = { title: `#${ch.name} · ${view.community.name}`, short: `#${ch.name}`, href: `/c/${view.community.id}/${ch.id}`, direct: false };
    }
    const strings = { newMessage: t('New message'), mentioned: t('You were mentioned.'), inConversation: t('{sender} in {conversation}') };
    void saveDirectory({ conversations, people: Object.fromEntries(names()), strings, showText: notificationPrefs().pushText }).catch(() => undefined);
  });

  // ── Unread counts ──────────────────────────────────────────────────────────────────────────
  const countsOfCommunity = (id: string) => {
    const view = community()?.community.id === id ? community() : views()?.find((v) => v?.community.id === id);
    return sum((view?.channels ?? []).filter((c) => !c.archived).map((c) => hub.unread(c.id)));
  };
  const dmCounts = () => sum((dms() ?? []).map((d) => hub.unread(d.id)));

  // ── The open conversation ──────────────────────────────────────────────────────────────────
  const [db] = createResource(deviceDb);
  const activeSession = createMemo<ChannelSession | undefined>((prev) => {
    prev?.close();
    const id = channelId();
    const e = engine();
    const d = db();
    // A request is not this user's conversation until they accept it: no socket into it.
    return id && e && d && !requestOpen() ? new ChannelSession(id, e, d) : undefined;
  });
  onCleanup(() => activeSession()?.close());

  // A sender we have no name for (someone joined after the list was read): read the members again, at most every 5 s.
  let lastLookup = 0;
  createEffect(() => {
    const s = activeSession();
    if (!s) return;
    const unknown = s.senders().some((id) => id !== me().id && !names().has(id));
    if (unknown && Date.now() - lastLookup > 5000) {
      lastLookup = Date.now();
      void startTransition(() => void refetchConvMembers());
    }
  });

  // The read marker as it was when the conversation opened, for the pane's "new" line.
  const [lastReadSeq, setLastReadSeq] = createSignal<number | null | undefined>(undefined);
  // Taken when the conversation opens (the marker as the hub knows it then), or as soon as the hub
  // knows it; one effect for the move, so the reset cannot land after the capture.
  createEffect(
    on(channelId, (id) => {
      const known = id ? untrack(() => hub.unread(id)) : undefined;
      setLastReadSeq(known ? known.readSeq : undefined);
    }),
  );
  createEffect(() => {
    const id = channelId();
    const known = id ? hub.unread(id) : undefined;
    if (known && untrack(lastReadSeq) === undefined) setLastReadSeq(known.readSeq);
  });

  // Reading. The pane reports the highest seq it showed (onRead); until it has done so for this
  // conversation, everything the conversation holds counts as read while the page is visible.
  const [pageVisible, setPageVisible] = createSignal(document.visibilityState === 'visible');
  const onVisibility = () => setPageVisible(document.visibilityState === 'visible');
  document.addEventListener('visibilitychange', onVisibility);
  onCleanup(() => document.removeEventListener('visibilitychange', onVisibility));
  let paneReportsReads = false;
  createEffect(on(channelId, () => (paneReportsReads = false)));
  const onRead = (seq: number) => {
    paneReportsReads = true;
    const id = channelId();
    if (id && pageVisible()) hub.markRead(id, seq);
  };
  createEffect(() => {
    const s = activeSession();
    // Not before the hub's snapshot: the marker as it was must reach lastReadSeq first.
    if (!s || paneReportsReads || !pageVisible() || !hub.unread(s.channelId)) return;
    const top = Math.max(0, ...s.view().map((m) => m.seq ?? 0));
    if (top > 0) hub.markRead(s.channelId, top);
  });

  const typingNames = () => {
    const id = channelId();
    return id ? hub.typingIn(id).filter((u) => u !== me().id).map(nameOf) : [];
  };
  const onComposing = () => {
    const id = channelId();
    if (id) hub.sendTyping(id);
    activeSession()?.prepareToSend();
  };

  const otherMemberIds = () => (convMembers() ?? []).map((m) => m.userId).filter((id) => id !== me().id);
  const roleNames = (ids: string[]) => ids.map((id) => roles()?.find((r) => r.id === id)?.name).filter((n): n is string => !!n);
  /** The community's members by id: the member list and each row's delete check look one up. */
  const commMemberById = createMemo(() => new Map((commMembers() ?? []).map((c) => [c.userId, c])));
  const memberRows = (): MemberRow[] =>
    (convMembers() ?? []).map((m) => {
      const inCommunity = commMemberById().get(m.userId);
      return { userId: m.userId, name: nameOf(m.userId), avatarId: avatarOf(m.userId), status: statusOf(m.userId), roles: roleNames(inCommunity?.roles ?? []), ...(inCommunity ? { role: inCommunity.role } : {}) };
    });

  // Forwarding: through a connection of the target channel of its own, closed once sent.
  const [forwardStatus, setForwardStatus] = createSignal('');
  const forwardTargets = () => [
    ...(community()?.channels ?? []).filter((c) => !c.archived && c.id !== channelId()).map((c) => ({ id: c.id, title: `#${c.name}` })),
    ...(dms() ?? []).filter((d) => d.id !== channelId()).map((d) => ({ id: d.id, title: dmTitle(d) })),
  ];
  const onForward = (targetId: string, text: string) => {
    const e = engine();
    const d = db();
    if (!e || !d) return;
    const target = forwardTargets().find((x) => x.id === targetId)?.title ?? t('the conversation');
    createRoot((dispose) => {
      const s = new ChannelSession(targetId, e, d);
      const done = (message: string) => (clearTimeout(timer), s.close(), dispose(), setForwardStatus(message));
      const timer = setTimeout(() => done(t('Could not forward to {target}: not sent within a minute.', { target })), FORWARD_TIMEOUT_MS);
      s.enqueue('message', { v: 1, text });
      createEffect(() => !s.view().some((m) => m.pending) && done(t('Forwarded to {target}.', { target })));
    });
  };
  // Props the pane takes once the messaging work lands (mentions and forwarding).
  const paneExtras = (): Record<string, unknown> => ({
    members: (convMembers() ?? []).map((m) => ({ id: m.userId, name: nameOf(m.userId) })),
    forwardTargets: forwardTargets(),
    onForward,
    canPin: !currentChannel() || can(Permission.MANAGE_MESSAGES),
    // As the room decides (ChannelRoom.check, docs/permissions.md): MANAGE_MESSAGES over an author
    // who does not outrank you (someone no longer here counts as a member), or a webhook's post.
    canDeleteOthers: (sender: string) =>
      !!currentChannel() &&
      can(Permission.MANAGE_MESSAGES) &&
      (isWebhookSender(sender) || mayModerate(RANK[community()?.role ?? 'member'], RANK[(commMemberById().get(sender)?.role ?? 'member') as BuiltInRole])),
  });

  // ── Panels, drawer and dialogs ─────────────────────────────────────────────────────────────
  const [showMembers, setShowMembers] = createSignal(matchMedia('(min-width: 1100px)').matches);
  const [navOpen, setNavOpen] = createSignal(false);
  let menuButton!: HTMLButtonElement;
  let drawer!: HTMLDivElement;
  createEffect(on(route, () => setNavOpen(false), { defer: true }));
  const closeNav = () => {
    setNavOpen(false);
    menuButton.focus();
  };
  // An open drawer takes the focus and gives it back to the menu button when Escape closes it.
  createEffect(() => {
    if (!navOpen()) return;
    const frame = requestAnimationFrame(() => drawer.querySelector<HTMLElement>('a, button')?.focus());
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeNav();
    addEventListener('keydown', onKey);
    onCleanup(() => (cancelAnimationFrame(frame), removeEventListener('keydown', onKey)));
  });

  type DialogName = SidebarAction | 'community' | 'discord' | 'join' | 'channelSettings' | 'webhooks' | 'switcher' | 'shortcuts' | 'groupLook';
  const [dialog, setDialog] = createSignal<DialogName | null>(null);
  const [settingsFor, setSettingsFor] = createSignal<Channel | null>(null);
  const close = () => setDialog(null);
  const openChannelSettings = (ch: Channel) => (setSettingsFor(ch), setDialog('channelSettings'));
  const liveSettingsChannel = () => community()?.channels.find((c) => c.id === settingsFor()?.id) ?? settingsFor();
  const myStanding = () => ({ userId: me().id, role: community()?.role ?? 'member', bits: community()?.permissions ?? 0 });
  const memberName = (m: CommunityMember) => m.displayName || m.username || 'unknown';

  // Leaving a group DM takes a second, confirming click: there is no way back into it.
  const [confirmLeave, setConfirmLeave] = createSignal(false);
  createEffect(on(channelId, () => setConfirmLeave(false)));
  const leaveGroupDm = async () => {
    const dm = currentDm();
    if (!dm) return;
    if (!confirmLeave()) return setConfirmLeave(true);
    await leaveDm(dm.id).catch(() => undefined);
    await refetchDms();
    navigate('/');
  };
  // ── Keyboard ───────────────────────────────────────────────────────────────────────────────
  /** Everything the quick switcher can open: channels of every community, DMs, and people by name. */
  const switchTargets = (): SwitchTarget[] => {
    const channels = (views() ?? []).flatMap((v) =>
      v ? v.channels.filter((c) => !c.archived).map((c) => ({ id: c.id, label: `#${c.name}`, detail: v.community.name, open: () => navigate(`/c/${v.community.id}/${c.id}`) })) : [],
    );
    const conversations = (dms() ?? []).map((d) => ({ id: d.id, label: dmTitle(d), detail: d.kind === 'dm' ? t('Direct message') : t('Group conversation'), open: () => navigate(`/dm/${d.id}`) }));
    const withDm = new Set((dms() ?? []).filter((d) => d.kind === 'dm').flatMap((d) => [...d.memberIds, ...d.pendingIds]));
    const people = [...names().entries()]
      .filter(([id]) => id !== me().id && !withDm.has(id))
      .map(([id, name]) => ({
        id: `person-${id}`,
        label: name,
        detail: t('Person'),
        open: () => void createDm({ userIds: [id] }).then((r) => (void refetchDms(), navigate(`/dm/${r.channel.id}`)), () => undefined),
      }));
    return [...conversations, ...channels, ...people];
  };
  /** The conversations in the order the sidebar shows them here, for Alt+Up/Down. */
  const sidebarOrder = (): string[] =>
    communityId()
      ? (community()?.channels ?? []).filter((c) => !c.archived).map((c) => `/c/${communityId()}/${c.id}`)
      : (dms() ?? []).map((d) => `/dm/${d.id}`);
  const onShortcut = (e: KeyboardEvent) => {
    const which = shortcutFor(e);
    if (!which) return;
    if (which === 'switcher') return (e.preventDefault(), setDialog(dialog() === 'switcher' ? null : 'switcher'));
    if (dialog()) return; // a dialog has the keyboard
    if (which === 'help') return (e.preventDefault(), setDialog('shortcuts'));
    const order = sidebarOrder();
    if (order.length === 0) return;
    e.preventDefault();
    const here = order.findIndex((path) => path.endsWith(`/${channelId()}`));
    const next = here < 0 ? 0 : (here + (which === 'next' ? 1 : -1) + order.length) % order.length;
    navigate(order[next]!);
  };
  addEventListener('keydown', onShortcut);
  onCleanup(() => removeEventListener('keydown', onShortcut));

  // A refused send may mean the account was quarantined meanwhile (issue #16): read the account again, so the screen says so.
  createEffect(on(() => activeSession()?.sendError(), (refused) => refused && void fetchMe().then(updateUser, () => undefined)));

  // ── Search (issue #15 item 8): every conversation this account is in, by name, for the filters and results.
  const [searching, setSearching] = createSignal(false);
  const searchPlaces = createMemo<SearchPlace[]>(() => [
    ...(views() ?? []).flatMap((v) => (v ? v.channels.filter((c) => c.kind !== 'voice').map((c) => ({ id: c.id, title: `${v.community.name} › #${c.name}`, path: `/c/${v.community.id}/${c.id}` })) : [])),
    ...(dms() ?? []).map((d) => ({ id: d.id, title: dmTitle(d), path: `/dm/${d.id}` })),
  ]);
  const searchPeople = createMemo(() => [{ id: me().id, name: nameOf(me().id) }, ...[...names().entries()].filter(([id]) => id !== me().id).map(([id, name]) => ({ id, name }))]);

  const focusComposer = (e: Event) => {
    e.preventDefault();
    document.getElementById('composer-input')?.focus();
  };

  return (
    <div class="app" classList={{ 'nav-open': navOpen() }}>
      <a href="#composer-input" class="skip-link" onClick={focusComposer}>
        {t('Skip to message composer')}
      </a>
      {/* Choosing a place closes the drawer, also the one already open (the route does not change then). */}
      <div class="drawer" id="nav-drawer" ref={drawer} onClick={(e) => (e.target as Element).closest('a[href^="#/"]') && setNavOpen(false)}>
        {/* A task after the conversation: a phone keeps the drawer off-screen, and on a wide
            screen the main column keeps its place (it names its grid column). */}
        <Later>
        <CommunityRail
          communities={communities() ?? []}
          current={communityId()}
          countsOfCommunity={countsOfCommunity}
          dmCounts={dmCounts()}
          onHome={() => void refetchDms()}
          onCreate={() => setDialog('community')}
          onJoin={() => setDialog('join')}
        />
        <aside class="sidebar" aria-label={communityId() ? t('Channels') : t('Direct messages')}>
          <Show
            when={communityId()}
            fallback={<DmSidebar dms={dms()} requests={requests()} me={me().id} titleOf={dmTitle} presenceOf={hub.presenceOf} channelId={channelId()} countsOf={hub.unread} onAction={setDialog} />}
          >
            <CommunitySidebar
              community={community()}
              channelId={channelId()}
              countsOf={hub.unread}
              onAction={setDialog}
              onChannelSettings={openChannelSettings}
              voiceUsers={(id) => voiceRosters().get(id) ?? []}
              nameOf={nameOf}
            />
          </Show>
          <div class="me">
            <span class="me-name">
              <span class={`presence presence-${hub.presenceOf(me().id)}`} aria-hidden="true" />
              {me().displayName || me().username}
            </span>
            <button type="button" class="small" aria-label={t('Search messages')} title={t('Search messages')} onClick={() => setSearching(true)}>
              <Icon name="search" />
            </button>
            <a href="#/settings" class="small button-link" aria-current={route().name === 'settings' ? 'page' : undefined}>
              {t('Settings')}
            </a>
            <button type="button" class="small" aria-label={t('Keyboard shortcuts')} aria-keyshortcuts="?" title={t('Keyboard shortcuts (?)')} onClick={() => setDialog('shortcuts')}>
              ?
            </button>
            <button type="button" class="small" onClick={() => void signOut()}>
              {t('Sign out')}
            </button>
          </div>
        </aside>
        </Later>
      </div>
      <Show when={navOpen()}>
        <div class="drawer-backdrop" aria-hidden="true" onClick={closeNav} />
      </Show>

      <main class="main" data-community-theme={themeCss() ? communityId() : undefined}>
        <div class="topbar" classList={{ 'has-tools': !!channelId() }}>
          <button
            type="button"
            ref={menuButton}
            class="icon-button menu-button"
            aria-label={t('Open navigation')}
            aria-controls="nav-drawer"
            aria-expanded={navOpen()}
            onClick={() => setNavOpen(!navOpen())}
          >
            ☰
          </button>
          <Show when={channelId()}>
            <div class="toolbar" role="group" aria-label={t('Conversation tools')}>
              <Show when={currentChannel() && can(Permission.MANAGE_CHANNELS)}>
                <button type="button" class="small" onClick={() => openChannelSettings(currentChannel()!)}>
                  {t('Channel settings')}
                </button>
              </Show>
              <Show when={currentChannel() && currentChannel()!.kind === 'text' && ((currentChannel()!.permissions ?? community()?.permissions ?? 0) & (Permission.MANAGE_WEBHOOKS | Permission.ADMINISTRATOR)) !== 0}>
                <button type="button" class="small" onClick={() => setDialog('webhooks')}>
                  {t('Webhooks')}
                </button>
              </Show>
              <Show when={currentDm()}>
                {(dm) => (
                  <label class="small inline-select">
                    <Icon name="clock" />
                    <select
                      aria-label={t('Disappearing messages')}
                      value={String(dm().disappearSeconds ?? '')}
                      onChange={(e) => void setDmDisappearing(dm().id, e.currentTarget.value ? Number(e.currentTarget.value) : null).then(() => refetchDms(), () => undefined)}
                    >
                      <DisappearOptions />
                    </select>
                  </label>
                )}
              </Show>
              <Show when={currentDm()?.kind === 'group_dm'}>
                <button type="button" class="small" onClick={() => setDialog('groupLook')}>
                  {t('Group picture')}
                </button>
                <button type="button" class="small" classList={{ danger: confirmLeave() }} onClick={() => void leaveGroupDm()}>
                  {confirmLeave() ? t('Confirm: leave conversation') : t('Leave conversation')}
                </button>
              </Show>
              <Show when={callable() && !inThisCall()}>
                <button type="button" class="small" data-testid="call-join" onClick={() => startCall()}>
                  {callRoster().length > 0 ? t('Join call') : currentDm() ? t('Start call') : t('Join voice')}
                </button>
                <Show when={currentDm()}>
                  <button type="button" class="small" onClick={() => startCall(true)}>
                    {t('Video call')}
                  </button>
                </Show>
              </Show>
              <button type="button" class="small" aria-expanded={showMembers()} aria-controls="member-panel" onClick={() => setShowMembers(!showMembers())}>
                {t('Members')}
              </button>
            </div>
          </Show>
        </div>
        <p class="visually-hidden" role="status">
          {forwardStatus()}
        </p>
        <RestoreBanner engine={engine()} />
        <For each={ring.ringing()}>
          {(r) => (
            <div class="banner incoming-call" role="alertdialog" aria-label={t('{name} is calling', { name: nameOf(r.from) })} data-testid="incoming-call">
              <span>{t('{name} is calling', { name: nameOf(r.from) })}</span>{' '}
              <button type="button" class="small" onClick={() => answer(r.channelId)}>
                {t('Accept')}
              </button>{' '}
              <button type="button" class="small danger" onClick={() => ring.decline(r.channelId)}>
                {t('Decline')}
              </button>
            </div>
          )}
        </For>
        <Show when={activeCall()}>
          {(a) => (
            <Show
              when={['joining', 'joined'].includes(a().call.state())}
              fallback={
                <div class="banner banner-warn" role="alert" data-testid="call-ended">
                  <span>{endedText(a().call)}</span>{' '}
                  <button type="button" class="small" onClick={dismissCall}>
                    {t('Dismiss')}
                  </button>
                </div>
              }
            >
              <CallView call={a().call} title={a().title} nameOf={nameOf} canModerate={(userId) => a().call.channelId === channelId() && userId !== me().id && can(Permission.MUTE_MEMBERS)} />
            </Show>
          )}
        </Show>

        <Show when={route().name === 'join'}>
          <JoinCard code={(route() as { code: string }).code} onJoined={(c) => (void refetchCommunities(), navigate(`/c/${c.community.id}/${c.channels[0]?.id ?? ''}`))} />
        </Show>
        <Show when={currentRequest()}>
          {(request) => (
            <DmRequestCard
              from={dmTitle(request())}
              onAccept={async () => {
                await acceptDm(request().id);
                await refetchDms();
              }}
              onDecline={async () => {
                await declineDm(request().id);
                // Leave first: once the list no longer holds it, the route would try to open it.
                navigate('/');
                await refetchDms();
              }}
            />
          )}
        </Show>
        <AnnouncementBanners announcements={announcements()} onDismiss={dismissAnnouncement} />
        <WarningsBanner warnings={warnings()} />
        <Show when={quarantine()}>
          {(q) => (
            <p class="banner banner-bad" role="alert" data-testid="quarantined">
              {t("This instance's admins have quarantined your account while they review it: you can read, but not send, start conversations, upload or invite. Their reason: {reason}", { reason: q().reason })}
            </p>
          )}
        </Show>
        <Show when={channelId() && !requestOpen()}>
          <Show when={waitingFor().length > 0}>
            <p class="banner banner-warn" role="status" data-testid="dm-waiting">
              {t('{names} has not accepted your message request yet. What you send now goes out, encrypted, once they accept.', { names: listFormat().format(waitingFor()) })}
            </p>
          </Show>
          <Show when={callable() && !inThisCall() && callRoster().length > 0}>
            <p class="banner" role="status" data-testid="call-banner">
              {t('In the call: {names}', { names: listFormat().format([...new Set(callRoster().map((p) => nameOf(p.userId)))]) })}{' '}
              <button type="button" class="small" onClick={() => startCall()}>
                {t('Join call')}
              </button>
            </p>
          </Show>
          <div class="conversation" data-typing={typingNames().join(', ')} onInput={(e) => (e.target as HTMLElement).id === 'composer-input' && onComposing()}>
            <KeyChangeBanner engine={engine()} trust={trust()} userIds={otherMemberIds()} nameOf={nameOf} />
            <div class="conversation-body">
              {/* The pane is drawn a task after the screen around it: together they were the
                  opening's longest task at a phone's speed (bench:lighthouse). */}
              <Later>
              <MessagePane
                title={title()}
                notify={channelId() ? { channelId: channelId()!, communityId: communityId() ?? null } : undefined}
                inCommunity={!!communityId()}
                isBlocked={isBlocked}
                disappearSeconds={currentChannel()?.disappearSeconds ?? currentDm()?.disappearSeconds ?? null}
                session={activeSession()}
                me={me().id}
                nameOf={nameOf}
                avatarOf={avatarOf}
                isBot={(id) => bots().has(id)}
                customEmoji={communityId() ? emojiImages() : undefined}
                cryptoError={cryptoError()}
                readOnly={!!quarantine()}
                hubOnline={!!engine() && !engine()!.hub.down()}
                typing={typingNames()}
                onComposing={onComposing}
                lastReadSeq={lastReadSeq() ?? null}
                onRead={onRead}
                trustOf={trust()?.trustOf}
                canRestore={canRestore(engine())}
                onRestore={requestRestore}
                {...paneExtras()}
              />
              </Later>
              <Show when={showMembers()}>
                <div class="member-panel" id="member-panel">
                  <MemberList
                    members={memberRows()}
                    busy={rereading() > 0}
                    presenceOf={hub.presenceOf}
                    me={me().id}
                    isBlocked={isBlocked}
                    onToggleBlock={(m) => toggleBlock(m.userId, m.name)}
                    canKick={(m) => !!currentChannel() && m.userId !== me().id && can(Permission.KICK) && RANK[(m.role ?? 'member') as BuiltInRole] < RANK[community()?.role ?? 'member']}
                    canPurge={(m) => !!currentChannel() && m.userId !== me().id && can(Permission.MANAGE_MESSAGES) && RANK[(m.role ?? 'member') as BuiltInRole] < RANK[community()?.role ?? 'member']}
                    onPurge={(m) => setPurging({ userId: m.userId, name: m.name })}
                    onReport={(m) => setReporting({ kind: 'user', userId: m.userId, name: m.name })}
                    canWarn={(m) => m.userId !== me().id && can(Permission.TIMEOUT) && RANK[(m.role ?? 'member') as BuiltInRole] < RANK[community()?.role ?? 'member']}
                    onWarn={(m) => setWarning({ userId: m.userId, name: m.name })}
                    onKick={async (m) => {
                      await kickMember(communityId()!, m.userId);
                      reread(communityId()!);
                    }}
                  />
                </div>
              </Show>
            </div>
          </div>
        </Show>
        <ScreenFailure>
          <Suspense fallback={<p role="status">{t('Loading…')}</p>}>
            <Show when={route().name === 'settings'}>
              <SettingsScreen section={(route() as { section: string }).section} engine={engine()} invitable={invitable()} />
            </Show>
            <Show when={route().name === 'verify'}>
              <VerifyScreen userId={(route() as { userId: string }).userId} engine={engine()} nameOf={nameOf} profileOf={profileOf} />
            </Show>
          </Suspense>
        </ScreenFailure>
        <Show when={!channelId() && !['join', 'settings', 'verify'].includes(route().name)}>
          <div class="welcome">
            <h2>{t('Welcome, {name}', { name: me().displayName || me().username })}</h2>
            <Show when={engine.loading}>
              <p role="status">{t('Setting up encryption on this device…')}</p>
            </Show>
            <Show when={cryptoError()}>
              <p class="banner banner-bad" role="alert">
                {t('Encryption could not start on this device ({error}). Sending is disabled.', { error: cryptoError() ?? '' })}
              </p>
            </Show>
            <p>{t('Pick a conversation, create a community, or start a direct message.')}</p>
            <Show when={me().instanceRole === 'owner' || me().instanceRole === 'admin'}>
              <GettingStarted hasCommunity={(communities() ?? []).length > 0} onInvite={() => setDialog('invite')} onCreateCommunity={() => setDialog('community')} />
            </Show>
          </div>
        </Show>
      </main>

      {/* The closed dialogs are made a task after the screen: not needed to draw it, they made
          its first render on a phone one long task (bench:lighthouse). */}
      <Later>
      <SearchPanel
        open={searching()}
        onClose={() => setSearching(false)}
        places={searchPlaces()}
        people={searchPeople()}
        nameOf={nameOf}
        onJump={(place, seq) => {
          setSearching(false);
          requestJump(place.id, seq);
          navigate(place.path);
        }}
      />
      <CreateCommunityDialog open={dialog() === 'community'} onClose={close} onCreated={(c) => (void refetchCommunities(), navigate(`/c/${c.community.id}/${c.channels[0]?.id ?? ''}`))} onImport={() => setDialog('discord')} />
      <ImportDiscordDialog open={dialog() === 'discord'} onClose={close} engine={engine()} db={db()} onDone={(communityId, firstChannel) => (void refetchCommunities(), navigate(`/c/${communityId}/${firstChannel}`))} />
      <ImportDiscordDialog open={dialog() === 'import'} onClose={close} engine={engine()} db={db()} into={community() ?? undefined} onDone={(communityId, firstChannel) => (void refetchCommunities(), void refetchCommunity(), navigate(`/c/${communityId}/${firstChannel}`))} />
      <CreateChannelDialog open={dialog() === 'channel'} onClose={close} community={community() ?? null} onCreated={(id) => (refetchCommunity(), navigate(`/c/${communityId()}/${id}`))} />
      <CreateGroupDialog open={dialog() === 'group'} onClose={close} communityId={communityId()} onCreated={refetchCommunity} />
      <ChannelSettingsDialog
        open={dialog() === 'channelSettings'}
        onClose={close}
        community={community() ?? null}
        channel={liveSettingsChannel()}
        onChanged={refetchCommunity}
        onDeleting={(id) => id === channelId() && navigate(`/c/${communityId()}`)}
        onDeleted={refetchCommunity}
      />
      <WebhooksDialog open={dialog() === 'webhooks'} onClose={close} channel={currentChannel() ?? null} />
      <InviteDialog open={dialog() === 'invite'} onClose={close} communities={invitable()} communityId={communityId() ?? invitable()[0]?.id ?? null} />
      <JoinDialog open={dialog() === 'join'} onClose={close} />
      <QuickSwitcher open={dialog() === 'switcher'} onClose={close} targets={dialog() === 'switcher' ? switchTargets() : []} />
      <ShortcutsDialog open={dialog() === 'shortcuts'} onClose={close} />
      <DmDialog open={dialog() === 'dm'} onClose={close} onStarted={(dm) => (void refetchDms(), navigate(`/dm/${dm.id}`))} />
      <LeaveCommunityDialog open={dialog() === 'leave'} onClose={close} community={community() ?? null} onLeft={() => (void refetchCommunities(), navigate('/'))} />
      <GroupLookDialog open={dialog() === 'groupLook'} onClose={close} dm={currentDm() ?? null} title={currentDm() ? dmTitle(currentDm()!) : ''} onChanged={() => void refetchDms()} />
      <AppearanceDialog open={dialog() === 'appearance'} onClose={close} community={community() ?? null} onChanged={() => (refetchCommunity(), void refetchCommunities())} />
      <ReportTargetDialog target={reporting()} onClose={() => setReporting(null)} />
      <ReportTargetDialog
        target={dialog() === 'report-community' && community() ? { kind: 'community', communityId: community()!.community.id, name: community()!.community.name } : null}
        onClose={close}
      />
      <Show when={communityId()}>
        <CommunityReportsDialog open={dialog() === 'reports'} onClose={close} communityId={communityId()!} canConfigure={can(Permission.ADMINISTRATOR)} />
        <PurgeDialog open={purging() !== null} onClose={() => setPurging(null)} communityId={communityId()!} channelId={currentChannel()?.id ?? null} member={purging()} />
        <WarnDialog communityId={communityId()!} member={warning()} onClose={() => setWarning(null)} />
        <EmojiDialog open={dialog() === 'emoji'} onClose={close} communityId={communityId()!} onChanged={() => startTransition(() => void refetchEmoji())} />
        <RolesEditor
          open={dialog() === 'roles'}
          onClose={close}
          communityId={communityId()!}
          me={myStanding()}
          members={commMembers() ?? []}
          nameOf={memberName}
          onChanged={() => (void refetchCommMembers(), void refetchRoles())}
        />
      </Show>
      </Later>
    </div>
  );
}
