/**
 * The conversation pane: header, connection banner, the message list (role=log) and the
 * composer. Messages show their sender, time (relative while recent, per the appearance
 * setting), text and lock; one's own messages can be edited (the composer switches to editing)
 * and deleted (with a confirming second click). Any message can be pinned or unpinned; pinned
 * ones carry a marker and are listed under the header's t('Pinned') button, whose entries scroll to
 * the message. Whether a pin is allowed is the server's call: a refusal comes back as the send
 * error banner. Sending goes through the ChannelSession's outbox; when encryption is not
 * available the composer is disabled, because nothing is ever sent in plaintext.
 */
import { errorText } from '../api/errorText';
import { MAX_MENTIONS, type Mentions } from '../../../protocol/frames';
import { isWebhookSender } from '../../../protocol/webhooks';
import { listFormat, locale, t } from '../i18n';
import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { ApiRequestError } from '../api/http';
import { createStore, reconcile } from 'solid-js/store';
import { MAX_MESSAGE_CHARS, MAX_QUOTE_CHARS } from '../e2ee/MessageBody';
import { EmojiPicker } from './messages/EmojiPicker';
import { searchEmoji } from './messages/emoji';
import { customEmojiImage, customEntries, mayHaveCustomEmoji, withCustomEmoji } from './messages/customEmoji';
import { isPlainText, renderMarkdown } from './messages/markdown';
import { hideSpoilers, uncoverSpoiler } from './messages/spoilers';
import { dayLabel, LABEL_REFRESH_MS, messageTimeFull, messageTimeLabel, messageTimeShort } from './messages/messageTime';
import { startsDay, startsGroup } from './messages/grouping';
import { Avatar } from './Avatar';
import { DecryptionNotice, explainFailure } from './messages/DecryptionNotice';
import type { ChannelSession, ViewMessage } from '../stores/ChannelSession';
import { LockIcon } from './LockIcon';
import { Icon } from './Icon';
import { Later } from './Later';
import { Attachments, isImage } from './messages/Attachments';
import { Lightbox } from './messages/Lightbox';
import { EditHistory, type EditHistoryOf } from './messages/EditHistory';
import { ReportDialog } from './moderation/ReportDialog';
import { PollCard } from './messages/PollCard';
import { PollComposer } from './messages/PollComposer';
import { ScheduleDialog, ScheduledList } from './messages/Scheduled';
import { clearJump, jumpTarget } from '../search/jump';
import type { ScheduledView } from '../stores/ChannelSession';
import { GifPicker } from './messages/GifPicker';
import { ThreadPanel, ThreadsList } from './messages/Threads';
import { disappearLabel } from './messages/disappearing';
import { formatSize, forgetUpload, interruptedUploads, NotTheSameFile, UploadCancelled, uploadFile, type UploadRecord } from '../files/transfer';
import { deleteFile } from '../api/files';
import { MAX_FILES_PER_MESSAGE, type FileRef, type LinkPreviewRef } from '../e2ee/MessageBody';
import { authConfig } from '../api/auth';
import { fetchLinkPreview } from '../api/linkPreview';
import { LinkPreviewCard } from './messages/LinkPreviewCard';
import { ConversationNotifications } from './ConversationNotifications';
import { preferences } from '../stores/preferences';
import { onSignOut } from '../stores/session';

/** Characters of a pinned message shown in the Pinned list; the list is for finding it, not reading it. */
const PINNED_SNIPPET_CHARS = 140;

/** Unsent drafts by channel id, for this page's lifetime (never stored: a draft is plaintext); gone at sign-out. */
const drafts = new Map<string, string>();
onSignOut(() => drafts.clear());

export function MessagePane(props: {
  title: string;
  /** The conversation whose notification setting the header offers (issue #17). */
  notify?: { channelId: string; communityId: string | null };
  /** The conversation's disappearing-messages timer, seconds (null: off). */
  disappearSeconds?: number | null;
  session: ChannelSession | undefined;
  me: string;
  nameOf: (userId: string) => string;
  /** Whether a sender is an encrypted webhook's bot account (its posts are sealed like anyone's, and badged). */
  isBot?: (userId: string) => boolean;
  /** A sender's avatar image id (null: initials). */
  avatarOf?: (userId: string) => string | null;
  /** The community's custom emoji, name → image id (community channels). */
  customEmoji?: ReadonlyMap<string, string>;
  cryptoError: string | null;
  /** The account may read but not send (quarantined, issue #16): the composer is off. */
  readOnly?: boolean;
  hubOnline: boolean;
  /** Names of the people typing in this conversation now (from the hub). */
  typing?: string[];
  /** Called while the user types (the caller throttles and relays it through the hub). */
  onComposing?: () => void;
  /** The last seq this user had read when the conversation opened (for the "new" marker and jump to first unread). */
  lastReadSeq?: number | null;
  /** Called with the highest seq the user has seen on screen (the caller sends the read marker). */
  onRead?: (seq: number) => void;
  /** Verification state per user id, for the lock icons ('verified' | 'unverified' | 'changed'). */
  trustOf?: (userId: string) => 'verified' | 'unverified' | 'changed';
  /** The conversation's members, for @mention autocomplete and the mentions routing field. */
  members?: { id: string; name: string }[];
  /** Conversations a message can be forwarded to, and how. */
  forwardTargets?: { id: string; title: string }[];
  onForward?: (targetId: string, text: string) => void;
  /** Whether this device could restore the account's key backup: undecryptable messages then offer it. */
  canRestore?: boolean;
  onRestore?: () => void;
  /** A community channel (reports go to its moderators) rather than a DM (to the instance's admins). */
  inCommunity?: boolean;
  /** Whether this user blocked `userId` (issue #16): their messages are collapsed until shown. */
  isBlocked?: (userId: string) => boolean;
  /** Whether this user may pin here (MANAGE_MESSAGES in a community channel; anyone in a DM); the button is not offered otherwise. */
  canPin?: boolean;
  /** Whether this user may delete `sender`'s messages (MANAGE_MESSAGES in a community channel, over a lower rank or a webhook). */
  canDeleteOthers?: (sender: string) => boolean;
}) {
  const [draft, setDraft] = createSignal('');
  const [editing, setEditing] = createSignal<ViewMessage | null>(null);
  const [confirming, setConfirming] = createSignal<number | null>(null);
  const [replying, setReplying] = createSignal<ViewMessage | null>(null);
  const [picking, setPicking] = createSignal<number | null>(null);
  /** The message whose action toolbar is held open by its "…" button (touch screens have no hover). */
  const [toolsOpen, setToolsOpen] = createSignal<string | null>(null);
  /** The message whose edit history is open. */
  const [historyOf, setHistoryOf] = createSignal<EditHistoryOf | null>(null);
  /** Messages from blocked people shown anyway, by key (issue #16). */
  const [revealed, setRevealed] = createSignal<ReadonlySet<string>>(new Set());
  const hidden = (m: ViewMessage) => !!props.isBlocked?.(m.sender) && !revealed().has(m.key);
  /** The message being reported (issue #16). */
  const [reporting, setReporting] = createSignal<ViewMessage | null>(null);
  const [makingPoll, setMakingPoll] = createSignal(false);
  const [pickingGif, setPickingGif] = createSignal(false);
  /** The thread whose panel is open (its root's seq), and whether the threads list is. */
  const [threadOpen, setThreadOpen] = createSignal<number | null>(null);
  const [showThreads, setShowThreads] = createSignal(false);
  const threads = createMemo(() => props.session?.threads() ?? []);
  const threadOf = createMemo(() => new Map(threads().map((th) => [th.root.seq!, th])));
  const openThread = createMemo(() => {
    const root = threadOpen();
    return root === null ? null : (props.session?.thread(root) ?? null);
  });
  const replyInThread = (text: string) => {
    const root = openThread()?.root;
    if (!root || root.seq === null) return;
    props.session?.enqueue('message', { v: 1, text, quote: { sender: root.sender, text: (root.text ?? '').slice(0, MAX_QUOTE_CHARS) } }, undefined, root.seq, withThreadPeople(root.seq, mentionsIn(text)));
  };
  /**
   * A reply in a thread notifies the people who took part in it (its root's author and everyone
   * who replied): they are named in the reply's mentions, the routing header that drives mention
   * badges (issue #15 item 2). The server learns nothing new by it: who wrote the root and the
   * replies is routing data it already holds.
   */
  const withThreadPeople = (rootSeq: number, mentions: Mentions | undefined): Mentions | undefined => {
    const thread = props.session?.thread(rootSeq);
    if (!thread?.root) return mentions;
    const people = [...new Set([thread.root.sender, ...thread.replies.map((r) => r.sender), ...(mentions?.users ?? [])])].filter((u) => u !== props.me).slice(0, MAX_MENTIONS);
    return people.length ? { ...mentions, users: people } : mentions;
  };
  /** `:name` being typed at the end of the draft: the emoji it could complete to. */
  const suggestions = createMemo(() => {
    const m = draft().match(/(?:^|\s):([a-z0-9_+-]{2,})$/i);
    return m ? searchEmoji(m[1]!, 6, customEntries(props.customEmoji)) : [];
  });
  const complete = (emoji: string) => {
    setDraft(draft().replace(/:([a-z0-9_+-]{2,})$/i, emoji + ' '));
    composer.focus();
  };
  /** `@name` being typed at the end of the draft: the members (and @everyone/@here) it could complete to. */
  const mentionOptions = createMemo(() => {
    const m = draft().match(/(?:^|\s)@([\p{L}\p{N}_.-]*)$/u);
    if (!m) return [];
    const q = m[1]!.toLowerCase();
    const people = (props.members ?? []).filter((x) => x.id !== props.me && x.name.toLowerCase().startsWith(q)).map((x) => x.name);
    return [...people, ...['everyone', 'here'].filter((w) => w.startsWith(q))].slice(0, 6);
  });
  const completeMention = (name: string) => {
    setDraft(draft().replace(/@([\p{L}\p{N}_.-]*)$/u, `@${name} `));
    composer.focus();
  };
  /** Who the text mentions, for the envelope's routing metadata (the text stays encrypted). */
  const mentionsIn = (text: string) => {
    const named = (name: string) => new RegExp(`(^|\\s)@${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[\\s.,:;!?])`, 'iu').test(text);
    const users = (props.members ?? []).filter((x) => x.id !== props.me && named(x.name)).map((x) => x.id).slice(0, 50);
    const everyone = named('everyone');
    const here = named('here');
    return users.length || everyone || here ? { ...(users.length ? { users } : {}), ...(everyone ? { everyone } : {}), ...(here ? { here } : {}) } : undefined;
  };
  const [forwarding, setForwarding] = createSignal<ViewMessage | null>(null);
  // One clock for every row's relative time ("5 minutes ago"), not a timer per message.
  const [now, setNow] = createSignal(Date.now());
  const tick = setInterval(() => setNow(Date.now()), LABEL_REFRESH_MS);
  onCleanup(() => clearInterval(tick));
  let list!: HTMLOListElement;
  let composer!: HTMLTextAreaElement;
  // The list is reconciled by message key, so a new message or an edit updates one item instead
  // of rebuilding every row (a long history would otherwise re-render in full on each envelope).
  const [messages, setMessages] = createStore<ViewMessage[]>([]);
  createEffect(() => setMessages(reconcile(props.session?.view() ?? [], { key: 'key', merge: false })));
  const online = () => !!props.session && !props.session.socket.down() && props.hubOnline;
  const canSend = () => !!props.session && !props.cryptoError && !props.readOnly;
  /** Text that renders as itself: no Markdown to apply and no custom emoji to draw. */
  const plainText = (text: string) => isPlainText(text) && !mayHaveCustomEmoji(text, props.customEmoji);
  /**
   * Who a row names: the person, or for a webhook's post the name it asked for (else the webhook's
   * own name); a deleted webhook post, whose name went with its text, is named "Webhook".
   */
  const senderName = (m: ViewMessage) => (m.imported ? m.imported.author : m.webhook ? (m.webhook.username ?? m.webhook.name) : isWebhookSender(m.sender) ? t('Webhook') : props.nameOf(m.sender));
  /** A received message's lock follows what this device knows about its sender now (verified since, or key changed). */
  const lockOf = (m: ViewMessage): ViewMessage['lock'] => {
    if (m.lock.kind !== 'status' || m.lock.status === 'not-encrypted' || !props.trustOf || m.sender === props.me) return m.lock;
    const t = props.trustOf(m.sender);
    return { kind: 'status', status: t === 'verified' ? 'encrypted-verified' : t === 'changed' ? 'key-changed' : 'encrypted-unverified' };
  };

  // Scrolling. The list follows new messages while the reader is at the bottom; older messages
  // loaded above keep what is on screen where it was; on opening, the first unread is shown.
  const [sentinel, setSentinel] = createSignal<HTMLLIElement>();
  const atBottom = () => !list || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  let wasAtBottom = true;
  let firstKey: string | undefined;
  let heightBefore = 0;
  let positioned = false;
  /** An opening's placement is waiting for the next frame. */
  let placing = false;
  const [unreadAbove, setUnreadAbove] = createSignal(false);
  createEffect(on(() => props.session, () => ((positioned = false), (firstKey = undefined), (wasAtBottom = true))));
  /**
   * The first message from someone else after the read marker the conversation opened with:
   * where "new" starts. NOT_LOADED when it is older than anything shown yet (a long absence).
   */
  const NOT_LOADED = -1;
  /**
   * Where "new" starts: the read marker the conversation opened with, moved past every message
   * that arrived while the reader was looking (page visible, no "new" line yet), so the line
   * marks only what came while the conversation was not in view.
   */
  const [readFloor, setReadFloor] = createSignal<number | null | undefined>(undefined);
  createEffect(on(() => [props.session, props.lastReadSeq] as const, ([, seq]) => setReadFloor(seq)));
  createEffect(
    on(
      () => [messages.length, props.session?.liveFrom()] as const,
      ([, liveFrom]) => {
        const floor = readFloor();
        if (floor === undefined || floor === null || liveFrom === null || liveFrom === undefined || document.visibilityState !== 'visible') return;
        const unread = messages.find((m) => m.seq !== null && m.seq > floor && m.sender !== props.me);
        // Only when everything unread came live: what the catch-up brought keeps its line.
        if (!unread || unread.seq! <= liveFrom) return;
        setReadFloor(messages.reduce((t, m) => Math.max(t, m.seq ?? 0), floor));
      },
    ),
  );
  const firstUnread = createMemo(() => {
    const read = readFloor();
    if (read === undefined || read === null) return null;
    const oldest = messages.find((m) => m.seq !== null)?.seq ?? null;
    if (oldest !== null && oldest > read + 1 && props.session?.hasOlder()) return NOT_LOADED;
    return messages.find((m) => m.seq !== null && m.seq > read && m.sender !== props.me)?.seq ?? null;
  });
  const rowOf = (seq: number) => list?.querySelector<HTMLElement>(`li.message[data-seq="${seq}"]`) ?? null;
  createEffect(
    on(
      () => [messages.length, messages[0]?.key] as const,
      ([, first]) =>
        queueMicrotask(() => {
          if (!list) return;
          const prepended = firstKey !== undefined && first !== firstKey && !wasAtBottom;
          firstKey = first;
          if (!positioned) {
            // Opening: placed in the next frame, whose layout it needs, not in the task that drew
            // the rows (which on a phone then blocked 15 ms longer, bench:lighthouse); with no rows
            // yet there is nothing to place or measure, so no layout is forced either.
            if (messages.length > 0 && !placing) {
              placing = true;
              requestAnimationFrame(placeOnOpen);
            }
            return;
          } else if (prepended) list.scrollTop += list.scrollHeight - heightBefore;
          else if (wasAtBottom || messages[messages.length - 1]?.pending) list.scrollTop = list.scrollHeight;
          heightBefore = list.scrollHeight;
          wasAtBottom = atBottom();
          reportRead();
        }),
    ),
  );
  /** Shows the first unread message, or the newest, once the opened conversation has rows. */
  const placeOnOpen = () => {
    placing = false;
    if (!list || positioned || messages.length === 0) return;
    positioned = true;
    // The first window is short (ChannelSession's FIRST_WINDOW): an unread message held further
    // back, within a page, widens it first, so the conversation still opens on it.
    const read = readFloor();
    if (firstUnread() === NOT_LOADED && read !== undefined && read !== null) props.session?.showFirstUnread(read + 1);
    const unread = firstUnread();
    const row = unread !== null ? rowOf(unread) : null;
    if (row) row.scrollIntoView({ block: 'start' });
    else list.scrollTop = list.scrollHeight;
    setUnreadAbove(unread === NOT_LOADED);
    heightBefore = list.scrollHeight;
    wasAtBottom = atBottom();
    reportRead();
  };
  /** Reports the newest message on screen as read (the caller sends the read marker). */
  const reportRead = () => {
    // A window in the background reads nothing: what arrives meanwhile stays unread (its badge,
    // the "new" line, a desktop notification) until the person looks again.
    if (!list || !props.onRead || document.visibilityState !== 'visible') return;
    const bottom = list.getBoundingClientRect().bottom;
    let top = 0;
    for (const li of list.querySelectorAll<HTMLElement>('li.message[data-seq]')) {
      const seq = Number(li.dataset.seq);
      if (seq && li.getBoundingClientRect().top < bottom) top = Math.max(top, seq);
    }
    if (top > 0) props.onRead(top);
  };
  const onVisible = () => document.visibilityState === 'visible' && reportRead();
  document.addEventListener('visibilitychange', onVisible);
  onCleanup(() => document.removeEventListener('visibilitychange', onVisible));
  const onScroll = () => {
    wasAtBottom = atBottom();
    heightBefore = list.scrollHeight;
    const unread = firstUnread();
    const row = unread !== null ? rowOf(unread) : null;
    setUnreadAbove(unread !== null && (!row || row.getBoundingClientRect().bottom < list.getBoundingClientRect().top));
    reportRead();
  };
  /** Loads back until the first unread is held (page by page), then brings it into view. */
  const jumpToUnread = async () => {
    const s = props.session;
    if (!s) return;
    for (let pages = 0; firstUnread() === NOT_LOADED && pages < 100; pages++) {
      s.loadOlder();
      for (let waited = 0; s.loadingOlder() && waited < 200; waited++) await new Promise((r) => setTimeout(r, 50));
    }
    const unread = firstUnread();
    if (unread === null || unread === NOT_LOADED) return;
    s.showFrom(unread);
    setTimeout(() => {
      rowOf(unread)?.scrollIntoView({ block: 'start' });
      setUnreadAbove(false);
    }, 0);
  };
  // Older history: when the top of the list comes into view, the session shows or fetches more.
  // Only once the session has caught up (its first page is all drawn): while that page is still
  // being opened the list is short and its top in view, which fetched a page nobody scrolled to
  // (seen under load in the history browser test). Observing anew when it is ready checks once
  // whether the top is in view then (a tall screen that the first page does not fill).
  createEffect(() => {
    const s = props.session;
    const top = sentinel();
    // Not while the first window is still being drawn a few rows a task: its top is in view
    // between those tasks, and asking then drew a whole page of older rows in one task.
    if (!s || !top || !s.ready() || s.opening() || typeof IntersectionObserver === 'undefined') return;
    // The entry says where the top was when the frame was drawn; the list may have been scrolled
    // to its newest rows since (positioning runs in a microtask), so it is measured again here.
    const nearTop = () => top.getBoundingClientRect().bottom > list.getBoundingClientRect().top - 200;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && positioned && nearTop() && s.loadOlder(), { root: list, rootMargin: '200px 0px 0px 0px' });
    observer.observe(top);
    onCleanup(() => observer.disconnect());
  });
  // Each conversation keeps its own unsent draft while the app is open; moving to another one
  // puts this one's away and brings that one's back. Only a real move between two conversations
  // counts: the same conversation's session coming back must not wipe what is being typed, and
  // neither must the first session arriving. Its effect can run well after the composer took
  // input (it waits for the screen's transition), and it emptied a newcomer's first message
  // between typing and Enter (seen in the onboarding browser test).
  let shown: string | undefined;
  createEffect(
    on(
      () => props.session?.channelId,
      (id) => {
        if (!id || id === shown) return;
        const from = shown;
        shown = id;
        if (from === undefined) return;
        drafts.set(from, draft());
        for (const u of uploads()) cancelUpload(u);
        setEditing(null);
        setReplying(null);
        setDraft(drafts.get(id) || '');
      },
    ),
  );

  // Files (issue #13): picked, dropped or pasted files upload (encrypted) at once, each with a
  // progress bar and Cancel; the message goes when they have all arrived, carrying their keys.
  const [uploads, setUploads] = createSignal<PendingUpload[]>([]);
  const [uploadError, setUploadError] = createSignal<string | null>(null);
  const [viewing, setViewing] = createSignal<FileRef | null>(null);
  const images = createMemo(() => messages.flatMap((m) => m.files.filter(isImage)));
  const uploading = () => uploads().some((u) => !u.ref());
  // Uploads this device began here and did not finish (a failure, a reload, a closed tab): picking
  // the same file again goes on where the server stopped (files/transfer.ts UploadRecord).
  // A signal, not a resource: a resource read under the app's Suspense would blank the screen
  // (and reset the list's scroll) while the device database answers.
  const [interrupted, setInterrupted] = createSignal<UploadRecord[]>([]);
  let interruptedAsked = 0;
  const refetchInterrupted = () => {
    const id = props.session?.channelId;
    const asked = ++interruptedAsked;
    if (!id) return setInterrupted([]);
    void interruptedUploads(id).then(
      (list) => asked === interruptedAsked && setInterrupted(list),
      () => undefined,
    );
  };
  createEffect(on(() => props.session?.channelId, refetchInterrupted));
  const visibleInterrupted = () => interrupted().filter((r) => !uploads().some((u) => u.id() === r.id));
  const discardUpload = async (r: UploadRecord) => {
    await deleteFile(r.id).catch(() => undefined);
    await forgetUpload(r.id).catch(() => undefined);
    refetchInterrupted();
  };
  const attach = (files: Iterable<File>, resume?: UploadRecord) => {
    const s = props.session;
    if (!s || !canSend() || editing()) return;
    setUploadError(null);
    for (const file of files) {
      if (uploads().length >= MAX_FILES_PER_MESSAGE) {
        setUploadError(t('At most {count} files per message.', { count: MAX_FILES_PER_MESSAGE }));
        break;
      }
      const [progress, setProgress] = createSignal(0);
      const [ref, setRef] = createSignal<FileRef | null>(null);
      const [id, setId] = createSignal<string | null>(resume?.id ?? null);
      const abort = new AbortController();
      const item: PendingUpload = { key: crypto.randomUUID(), file, progress, ref, id, abort };
      setUploads([...uploads(), item]);
      uploadFile(s.channelId, file, setProgress, abort.signal, resume, setId).then(setRef, async (err: unknown) => {
        setUploads(uploads().filter((u) => u !== item));
        if (resume && err instanceof ApiRequestError && err.status === 404) {
          await forgetUpload(resume.id).catch(() => undefined);
          setUploadError(t('The server no longer has the unfinished upload of {name}; send the file again.', { name: file.name }));
        } else if (err instanceof NotTheSameFile) {
          setUploadError(t('{name} is not the file that upload started with, so it was not resumed.', { name: file.name }));
        } else if (!(err instanceof UploadCancelled)) {
          setUploadError(t('{name} could not be sent: {reason}', { name: file.name, reason: errorText(err) }));
        }
        refetchInterrupted();
      });
    }
  };
  /** Cancels an upload in flight, or removes one that arrived (deleting it from the server: no message will carry it). */
  const cancelUpload = (u: PendingUpload) => {
    u.abort.abort();
    const ref = u.ref();
    if (ref) void deleteFile(ref.id).catch(() => undefined);
    setUploads(uploads().filter((x) => x !== u));
  };
  let fileInput!: HTMLInputElement;
  const [dragging, setDragging] = createSignal(false);
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

  // Link previews (issue #15 item 6): when the draft holds a link and both the instance and this
  // person allow it, the page's title and description are fetched through the instance while they
  // type, shown above the composer (removable), and sent inside the message's ciphertext.
  const [instance] = createResource(() => authConfig().catch(() => null));
  const [preview, setPreview] = createSignal<{ for: string; ref: LinkPreviewRef } | null>(null);
  const [noPreviewFor, setNoPreviewFor] = createSignal<string | null>(null);
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  const firstLink = (text: string) => /\bhttps?:\/\/[^\s<>"']+/i.exec(text)?.[0]?.replace(/[).,;:!?'"]+$/, '') ?? null;
  createEffect(
    on([draft, editing, () => instance()?.linkPreviews, () => preferences().linkPreviews], ([text, ed, instanceOn, personOn]) => {
      clearTimeout(previewTimer);
      const link = firstLink(text);
      if (!link || ed || !instanceOn || !personOn || link === noPreviewFor()) return setPreview(null);
      if (preview()?.for === link) return;
      setPreview(null);
      previewTimer = setTimeout(() => {
        void fetchLinkPreview(link).then(
          (p) => {
            if (firstLink(draft()) !== link || !(p.title || p.description)) return;
            setPreview({ for: link, ref: { url: p.url, ...(p.title ? { title: p.title } : {}), ...(p.description ? { description: p.description } : {}), ...(p.siteName ? { siteName: p.siteName } : {}) } });
          },
          () => undefined,
        );
      }, 500);
    }),
  );
  onCleanup(() => clearTimeout(previewTimer));

  const submit = (e?: Event) => {
    e?.preventDefault();
    const s = props.session;
    const text = draft().trim();
    const files = uploads().map((u) => u.ref()).filter((r): r is FileRef => r !== null);
    if (!s || (!text && files.length === 0) || !canSend() || uploading()) return;
    const ed = editing();
    const to = replying();
    const shown = preview();
    const withPreview = shown && firstLink(text) === shown.for ? { preview: shown.ref } : {};
    const body = { v: 1 as const, ...(text ? { text } : {}), ...(files.length ? { files } : {}), ...withPreview };
    setPreview(null);
    setNoPreviewFor(null);
    if (ed && ed.seq !== null) s.enqueue('edit', { v: 1, text }, ed.seq);
    else if (to && to.seq !== null) s.enqueue('message', { ...body, quote: { sender: to.sender, text: (to.text ?? '').slice(0, MAX_QUOTE_CHARS) } }, undefined, to.seq, withThreadPeople(to.seq, mentionsIn(text)));
    else s.enqueue('message', body, undefined, undefined, mentionsIn(text));
    setDraft('');
    setEditing(null);
    setReplying(null);
    if (!ed) setUploads([]);
  };

  /** Scheduled messages (issue #15 item 4): the dialog is open for the draft (true) or to edit a pending one. */
  const [scheduling, setScheduling] = createSignal<boolean | ScheduledView>(false);
  const schedule = async (text: string, at: number) => {
    const s = props.session;
    if (!s) return;
    const pending = scheduling();
    if (typeof pending === 'object') {
      await s.schedule({ v: 1, text }, at, pending.replyTo, mentionsIn(text), pending.clientMsgId);
    } else {
      const draftText = draft().trim();
      const to = replying();
      const body = { v: 1 as const, text: draftText, ...(to && to.seq !== null ? { quote: { sender: to.sender, text: (to.text ?? '').slice(0, MAX_QUOTE_CHARS) } } : {}) };
      await s.schedule(body, at, to?.seq ?? undefined, mentionsIn(draftText));
      setDraft('');
      setReplying(null);
    }
    setScheduling(false);
  };

  const startReply = (m: ViewMessage) => {
    setEditing(null);
    setReplying(m);
    composer.focus();
  };

  /** Toggles this user's `emoji` on a message. */
  const react = (m: ViewMessage, emoji: string) => {
    if (m.seq === null) return;
    const mine = m.reactions.some((r) => r.emoji === emoji && r.users.includes(props.me));
    props.session?.enqueue('reaction', mine ? { v: 1, emoji, remove: true } : { v: 1, emoji }, m.seq);
    setPicking(null);
  };

  const startEdit = (m: ViewMessage) => {
    setReplying(null);
    setEditing(m);
    setDraft(m.text ?? '');
    composer.focus();
  };

  /** Pins or unpins a message for everyone in the conversation. */
  const togglePin = (m: ViewMessage) => {
    if (m.seq === null) return;
    props.session?.enqueue(m.pinned ? 'unpin' : 'pin', { v: 1 }, m.seq);
  };

  /** Read receipts: under one's newest message, who has read it (people who share receipts). */
  const lastOwnSeq = createMemo(() => {
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.sender === props.me && messages[i]!.seq !== null) return messages[i]!.seq;
    return null;
  });
  const seenBy = (seq: number) => props.session?.readBy(seq, props.me) ?? [];

  const [showPinned, setShowPinned] = createSignal(false);
  createEffect(on(() => props.session, () => setShowPinned(false)));
  const pinned = createMemo(() => props.session?.pinned() ?? []);
  let pinnedButton!: HTMLButtonElement;
  /** Scrolls the list to a pinned message and puts the focus on it, so keyboard users land there too. */
  const goTo = async (m: ViewMessage) => {
    setShowPinned(false);
    if (m.seq === null) return;
    if (!rowOf(m.seq)) {
      // Older than the drawn window: draw down to it first.
      props.session?.showFrom(m.seq);
      await new Promise((r) => setTimeout(r, 0));
    }
    const row = rowOf(m.seq);
    if (!row) return;
    row.scrollIntoView({ block: 'center' });
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    row.classList.remove('flash');
    void row.offsetWidth; // restart the highlight animation when the same message is picked twice
    row.classList.add('flash');
  };

  // A search result to show (issue #15 item 8): once this conversation holds it, scroll to it.
  createEffect(() => {
    const target = jumpTarget();
    const s = props.session;
    if (!target || !s || target.channelId !== s.channelId) return;
    const m = s.message(target.seq);
    if (!m) return;
    clearJump();
    // Draw down to it, then look for its row once the list shows this conversation (the session
    // may have changed in this same update: rows of the one before are still in the list now).
    s.showFrom(target.seq);
    setTimeout(() => void goTo(m), 0);
  });

  const remove = (m: ViewMessage) => {
    if (m.seq === null) return;
    if (confirming() !== m.seq) return setConfirming(m.seq);
    setConfirming(null);
    props.session?.enqueue('delete', { v: 1 }, m.seq);
    // Its files go with it: only the devices that read it know which they are (their ids are
    // inside the message's ciphertext), and the server lets their uploader or a moderator of the
    // conversation delete them.
    for (const f of m.files) void deleteFile(f.id).catch(() => undefined);
  };

  return (
    <section class="pane" aria-labelledby="pane-title"
      classList={{ dragging: dragging() }}
      onClick={(e) => uncoverSpoiler(e.target)}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && uncoverSpoiler(e.target) && e.preventDefault()}
      onDragOver={(e) => {
        if (!hasFiles(e) || !canSend()) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        attach(e.dataTransfer?.files ?? []);
      }}
    >
      <header class="pane-head">
        <h2 id="pane-title">{props.title}</h2>
        <p class="e2ee-note">
          <LockIcon lock={{ kind: 'status', status: 'encrypted-unverified' }} /> {t('Messages here are end-to-end encrypted.')}
        </p>
        <Show when={props.disappearSeconds}>
          {(s) => (
            <p class="disappearing-note" data-testid="disappearing-note">
              <Icon name="clock" /> {t('Messages disappear after {time}.', { time: disappearLabel(s()) })}
            </p>
          )}
        </Show>
        <Show when={props.notify}>{(n) => <ConversationNotifications channelId={n().channelId} communityId={n().communityId} title={props.title} />}</Show>
        <Show when={props.session}>
          <button
            type="button"
            class="small pinned-button"
            ref={pinnedButton}
            aria-expanded={showPinned()}
            aria-controls="pinned-panel"
            onClick={() => setShowPinned(!showPinned())}
          >
            {t('Pinned')}{pinned().length > 0 ? ` (${pinned().length})` : ''}
          </button>
          <button type="button" class="small threads-button" aria-expanded={showThreads()} onClick={() => setShowThreads(!showThreads())}>
            {t('Threads')}{threads().length > 0 ? ` (${threads().length})` : ''}
          </button>
        </Show>
      </header>
      <Show when={showPinned()}>
        <section
          class="pinned-panel"
          id="pinned-panel"
          aria-label={t('Pinned messages')}
          onKeyDown={(e) => e.key === 'Escape' && (setShowPinned(false), pinnedButton.focus())}
        >
          <ul>
            <For each={pinned()} fallback={<li class="muted">{t('No pinned messages. Pin one with its Pin button.')}</li>}>
              {(m) => (
                <li>
                  <button type="button" class="pinned-item" onClick={() => void goTo(m)}>
                    <span class="sender">{props.nameOf(m.sender)}</span> <span class="muted">{messageTimeLabel(m.ts, now(), preferences().times, preferences().clock, locale())}</span>
                    <span class="pinned-text">{m.text === null ? explainFailure(m.lock.kind === 'error' ? m.lock.code : 'malformed', props.nameOf(m.sender), false).text : hideSpoilers(m.text).slice(0, PINNED_SNIPPET_CHARS)}</span>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </section>
      </Show>
      <Show when={props.cryptoError}>
        <p class="banner banner-bad" role="alert">
          {t('Encryption could not start on this device ({error}). Sending is disabled: Chatalot never sends a message unencrypted.', { error: props.cryptoError ?? '' })}
        </p>
      </Show>
      <Show when={props.session && !online()}>
        <p class="banner banner-warn" role="status" data-testid="offline-banner">
          {props.session!.queued() > 0
            ? t('You are offline. {count} messages are waiting; they will be delivered when the connection returns.', { count: props.session!.queued() })
            : t('You are offline. Messages you send will be delivered when the connection returns.')}
        </p>
      </Show>
      <Show when={props.session?.sendError()}>
        <p class="banner banner-bad" role="alert">
          {t('Not sent: {reason}', { reason: props.session!.sendError() ?? '' })}
        </p>
      </Show>
      {/* role=log sits on a wrapper: on the <ol> it would hide the list semantics its items need. */}
      <Show when={unreadAbove()}>
        <button type="button" class="jump-unread small" onClick={() => void jumpToUnread()}>
          {t('Jump to first unread')}
        </button>
      </Show>
      <div class="messages-log" role="log" aria-label={t('Messages in {title}', { title: props.title })} aria-live="polite">
      <ol class="messages" ref={list} tabIndex={0} aria-label={t('Messages in {title}', { title: props.title })} onScroll={onScroll}>
        {/* Not while the first rows are drawn a few a task: it would sit above the first ones
            and move as the rest arrive. */}
        <Show when={props.session?.hasOlder() && !props.session.opening()}>
          <li class="older" ref={setSentinel}>
            <button type="button" class="link-button" disabled={props.session?.loadingOlder()} onClick={() => props.session?.loadOlder()}>
              {props.session?.loadingOlder() ? t('Loading older messages…') : t('Show older messages')}
            </button>
          </li>
        </Show>
        <For each={messages} fallback={<li class="empty">{t('No messages yet. Say hello — only the people in this conversation can read it.')}</li>}>
          {(m, i) => {
            // The first row's predecessor is the message above the window, drawn or not.
            const prev = () => (i() === 0 ? props.session?.beforeWindow() : messages[i() - 1]);
            const newDay = () => startsDay(prev(), m);
            const groupStart = () => startsGroup(prev(), m);
            return (
            <>
            <Show when={newDay()}>
              <li class="day-divider" data-testid="day-divider">
                <span>{dayLabel(m.ts, now(), locale())}</span>
              </li>
            </Show>
            <Show when={m.seq !== null && m.seq === firstUnread()}>
              <li class="new-divider" data-testid="new-divider">
                <span>{t('New messages')}</span>
              </li>
            </Show>
            <li
              class="message"
              classList={{ own: m.sender === props.me, pending: m.pending, deleted: m.deleted, pinned: m.pinned, 'group-start': groupStart(), continued: !groupStart(), 'tools-open': toolsOpen() === m.key }}
              data-seq={m.seq ?? ''}
            >
              <Show when={groupStart()} fallback={<span class="gutter-time" aria-hidden="true">{messageTimeShort(m.ts, preferences().clock, locale())}</span>}>
                {/* A person's avatar opens their page (banner, status, safety numbers); a webhook or an imported author has none. */}
                <Show when={!m.webhook && !m.imported} fallback={<Avatar id={m.sender} name={senderName(m)} />}>
                  {/* Named by hidden text, not aria-label: the initials shown are not part of the name (WCAG 2.5.3). */}
                  <a class="avatar-link" href={`#/verify/${m.sender}`}>
                    <Avatar id={m.sender} name={senderName(m)} image={props.avatarOf?.(m.sender)} />
                    <span class="visually-hidden">{t("Open {name}'s page", { name: senderName(m) })}</span>
                  </a>
                </Show>
              </Show>
              <div class="message-body">
              <div class="meta" classList={{ 'visually-hidden': !groupStart() && !m.pinned && !m.edited && !m.pending && m.lock.kind === 'status' && m.lock.status !== 'key-changed' }}>
                <span class="sender">{senderName(m)}</span>
                <Show when={m.imported}>
                  {(imp) => (
                    <span class="imported-tag" data-testid="imported-tag" title={t('Imported from Discord by {name}; not an account here', { name: props.nameOf(imp().by) })}>
                      {t('Imported')}
                    </span>
                  )}
                </Show>
                <Show when={!m.webhook && !m.imported && props.isBot?.(m.sender)}>
                  <span class="bot-tag" data-testid="bot-tag" title={t('Posted by an end-to-end encrypted webhook')}>
                    {t('Bot')}
                  </span>
                </Show>
                <time dateTime={new Date(m.ts).toISOString()} title={messageTimeFull(m.ts, preferences().clock, locale())}>
                  {messageTimeLabel(m.ts, now(), preferences().times, preferences().clock, locale())}
                </time>
                <LockIcon lock={lockOf(m)} />
                <Show when={m.pinned && !m.deleted}>
                  <span class="pin-marker" data-testid="pin-marker">
                    <Icon name="pin" /> {t('Pinned')}
                  </span>
                </Show>
                <Show when={m.imported?.pinned}>
                  <span class="pin-marker" data-testid="imported-pin">
                    <Icon name="pin" /> {t('Pinned on Discord')}
                  </span>
                </Show>
                <Show when={m.expiresAt !== undefined && !m.deleted}>
                  <span class="disappears" title={t('Disappears {when}', { when: messageTimeFull(m.expiresAt!, preferences().clock, locale()) })}>
                    <Icon name="clock" />
                    <span class="visually-hidden">{t('Disappears {when}', { when: messageTimeFull(m.expiresAt!, preferences().clock, locale()) })}</span>
                  </span>
                </Show>
                <Show when={m.edited && !m.deleted}>
                  <button type="button" class="edited link-button" title={t('Show the edit history')} onClick={() => m.versions && setHistoryOf({ sender: m.sender, versions: m.versions })}>
                    {t('(edited)')}
                  </button>
                </Show>
                <Show when={m.pending}>
                  <span class="status-text">{m.problem ? t('waiting: {problem}', { problem: m.problem }) : t('sending…')}</span>
                </Show>
              </div>
              <Show when={m.imported?.reply}>
                {(r) => (
                  <p class="reply-quote" data-testid="imported-reply">
                    <span class="visually-hidden">{t('In reply to')} </span>
                    <strong>{r().author}</strong>: {hideSpoilers(r().text)}
                  </p>
                )}
              </Show>
              <Show when={m.replyTo}>
                {(r) => (
                  <p class="reply-quote" data-reply-to={r().seq}>
                    <span class="visually-hidden">{t('In reply to')} </span>
                    <strong>{r().sender ? props.nameOf(r().sender) : t('a message')}</strong>: {hideSpoilers(r().text)}
                  </p>
                )}
              </Show>
              <Show
                when={!m.deleted && !hidden(m)}
                fallback={
                  m.deleted ? (
                    <p class="text tombstone">{t('This message was deleted.')}</p>
                  ) : (
                    <p class="text blocked-notice" data-testid="blocked-message">
                      {t('A message from someone you blocked.')}{' '}
                      <button type="button" class="link-button" onClick={() => setRevealed((r) => new Set(r).add(m.key))}>
                        {t('Show it')}
                      </button>
                    </p>
                  )
                }
              >
                <Show
                  when={m.text !== null || m.files.length > 0 || m.call || m.poll}
                  fallback={
                    <DecryptionNotice
                      code={m.lock.kind === 'error' ? m.lock.code : 'malformed'}
                      sender={props.nameOf(m.sender)}
                      senderId={m.sender}
                      canRestore={props.canRestore ?? false}
                      onRestore={() => props.onRestore?.()}
                    />
                  }
                >
                  <Show when={m.call}>
                    {(c) => (
                      <p class="text call-notice" data-testid="call-notice">
                        <Icon name="phone" /> {c().event === 'missed' ? t('Missed call') : t('Call ended · {duration}', { duration: callDuration(c().durationMs ?? 0) })}
                      </p>
                    )}
                  </Show>
                  {/* Plain text (most messages) as a text node: parsing each row's HTML cost a
                      chat's first render 13 ms of ParseHTML for 50 rows (bench:lighthouse). */}
                  <Show when={m.text}>
                    {(text) => (
                      <Show when={plainText(text())} fallback={<div class="text markdown" innerHTML={withCustomEmoji(renderMarkdown(text()), props.customEmoji)} />}>
                        <div class="text markdown">
                          <p>{text()}</p>
                        </div>
                      </Show>
                    )}
                  </Show>
                  <Show when={m.preview}>{(p) => <LinkPreviewCard preview={p()} />}</Show>
                  <Show when={m.files.length > 0}>
                    <Attachments files={m.files} onOpenImage={setViewing} />
                  </Show>
                  <Show when={m.poll}>
                    {(poll) => (
                      <PollCard
                        poll={poll()}
                        me={props.me}
                        isAuthor={m.sender === props.me}
                        now={now()}
                        pending={m.seq === null}
                        nameOf={props.nameOf}
                        onVote={(choice) => m.seq !== null && props.session?.enqueue('reaction', { v: 1, vote: choice }, m.seq)}
                        onClose={() => m.seq !== null && props.session?.enqueue('edit', { v: 1, closePoll: true }, m.seq)}
                      />
                    )}
                  </Show>
                </Show>
              </Show>
              <Show when={m.seq !== null && threadOf().get(m.seq)}>
                {(th) => (
                  <button type="button" class="link-button thread-link" data-testid="thread-link" onClick={() => (setShowThreads(false), setThreadOpen(m.seq))}>
                    {t('{count} replies', { count: th().replies })} · {t('last {time}', { time: messageTimeLabel(th().last.ts, now(), preferences().times, preferences().clock, locale()) })}
                  </button>
                )}
              </Show>
              <Show when={m.reactions.length > 0 && !m.deleted}>
                <div class="reactions" role="group" aria-label={t('Reactions')}>
                  <For each={m.reactions}>
                    {(r) => (
                      <button
                        type="button"
                        class="reaction"
                        aria-pressed={r.users.includes(props.me)}
                        aria-label={`${r.emoji} ${r.users.length}: ${r.users.map(props.nameOf).join(', ')}`}
                        onClick={() => react(m, r.emoji)}
                      >
                        <Show when={customEmojiImage(r.emoji, props.customEmoji)} fallback={r.emoji}>
                          {(src) => <img class="custom-emoji" src={src()} alt={r.emoji} />}
                        </Show>{' '}
                        <span class="count">{r.users.length}</span>
                      </button>
                    )}
                  </For>
                </div>
              </Show>
              {/* An imported message's reactions are what they were there: counts, not buttons. */}
              <Show when={m.imported?.reactions}>
                {(list) => (
                  <div class="reactions" role="group" aria-label={t('Reactions on Discord')} data-testid="imported-reactions">
                    <For each={list()}>
                      {(r) => (
                        <span class="reaction imported-reaction" role="img" aria-label={`${r.emoji} ${r.count}`}>
                          <Show when={customEmojiImage(r.emoji, props.customEmoji)} fallback={<span aria-hidden="true">{r.emoji}</span>}>
                            {(src) => <img class="custom-emoji" src={src()} alt="" />}
                          </Show>{' '}
                          <span class="count" aria-hidden="true">{r.count}</span>
                        </span>
                      )}
                    </For>
                  </div>
                )}
              </Show>
              <Show when={m.seq !== null && !m.deleted && m.lock.kind !== 'error' && !m.imported}>
                <button type="button" class="icon-button more-button" aria-label={t('Message actions')} aria-expanded={toolsOpen() === m.key} onClick={() => setToolsOpen(toolsOpen() === m.key ? null : m.key)}>
                  …
                </button>
                <div class="message-tools" role="group" aria-label={t('Message actions')}>
                  <button type="button" class="tool" onClick={() => startReply(m)} aria-label={t('Reply')}>
                    {t('Reply')}
                  </button>
                  <button type="button" class="tool" onClick={() => (setShowThreads(false), setThreadOpen(m.seq))} aria-label={t('Open thread')}>
                    {t('Thread')}
                  </button>
                  <button type="button" class="tool" onClick={() => setPicking(picking() === m.seq ? null : m.seq)} aria-label={t('React to message')} aria-expanded={picking() === m.seq}>
                    {t('React')}
                  </button>
                  <Show when={props.canPin !== false}>
                    <button type="button" class="tool" onClick={() => togglePin(m)} aria-label={m.pinned ? t('Unpin message') : t('Pin message')}>
                      {m.pinned ? t('Unpin') : t('Pin')}
                    </button>
                  </Show>
                  <Show when={props.onForward && (props.forwardTargets ?? []).length > 0 && m.text}>
                    <button type="button" class="tool" onClick={() => setForwarding(forwarding() === m ? null : m)} aria-expanded={forwarding() === m}>
                      {t('Forward')}
                    </button>
                  </Show>
                  <Show when={m.sender !== props.me && !m.webhook}>
                    <button type="button" class="tool" onClick={() => setReporting(m)} aria-label={t('Report message')}>
                      {t('Report')}
                    </button>
                  </Show>
                  <Show when={m.sender === props.me}>
                    <button type="button" class="tool" onClick={() => startEdit(m)} aria-label={t('Edit message')}>
                      {t('Edit')}
                    </button>
                  </Show>
                  <Show when={m.sender === props.me || props.canDeleteOthers?.(m.sender)}>
                    <button type="button" class="tool danger" onClick={() => remove(m)} aria-label={confirming() === m.seq ? t('Confirm delete') : t('Delete message')}>
                      {confirming() === m.seq ? t('Confirm delete') : t('Delete')}
                    </button>
                  </Show>
                </div>
              </Show>
              <Show when={forwarding() === m}>
                <form
                  class="forward-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const target = new FormData(e.currentTarget).get('target');
                    if (typeof target === 'string' && m.text) props.onForward?.(target, `${t('Forwarded from {name}:', { name: senderName(m) })}\n> ${m.text.replace(/\n/g, '\n> ')}`);
                    setForwarding(null);
                  }}
                >
                  <label>
                    {t('Forward to')}
                    <select name="target">
                      <For each={props.forwardTargets}>{(t) => <option value={t.id}>{t.title}</option>}</For>
                    </select>
                  </label>
                  <button type="submit" class="small primary">
                    {t('Forward')}
                  </button>
                </form>
              </Show>
              <Show when={picking() !== null && picking() === m.seq}>
                <EmojiPicker label={t('Pick a reaction')} onPick={(e) => react(m, e)} onClose={() => setPicking(null)} custom={customEntries(props.customEmoji)} />
              </Show>
              <Show when={m.seq !== null && m.seq === lastOwnSeq() && seenBy(m.seq).length > 0}>
                <p class="seen-by muted small-text" data-testid="seen-by">
                  {t('Seen by {names}', { names: listFormat().format(seenBy(m.seq!).map(props.nameOf)) })}
                </p>
              </Show>
              </div>
            </li>
            </>
            );
          }}
        </For>
      </ol>
      </div>
      <form class="composer" onSubmit={submit}>
        <Show when={props.session}>
          {(s) => (
            <ScheduledList
              items={s().scheduled()}
              error={s().scheduleError()}
              onEdit={(item) => setScheduling(item)}
              onSendNow={(item) => s().sendScheduledNow(item)}
              onCancel={(item) => s().unschedule(item.clientMsgId)}
            />
          )}
        </Show>
        <Show when={replying()}>
          {(r) => (
            <p class="editing" data-testid="replying">
              {t('Replying to {name}:', { name: props.nameOf(r().sender) })} <span class="muted">{hideSpoilers(r().text ?? '').slice(0, 80)}</span>{' '}
              <button type="button" class="link-button" onClick={() => setReplying(null)}>
                {t('Cancel reply')}
              </button>
            </p>
          )}
        </Show>
        <Show when={mentionOptions().length > 0}>
          <ul class="emoji-suggestions" role="listbox" aria-label={t('Mention suggestions')}>
            <For each={mentionOptions()}>
              {(name) => (
                <li role="option" aria-selected="false">
                  <button type="button" tabIndex={-1} onMouseDown={(ev) => ev.preventDefault()} onClick={() => completeMention(name)}>
                    @{name}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={suggestions().length > 0}>
          <ul class="emoji-suggestions" role="listbox" aria-label={t('Emoji suggestions')}>
            <For each={suggestions()}>
              {(e) => (
                <li role="option" aria-selected="false">
                  <button type="button" tabIndex={-1} onMouseDown={(ev) => ev.preventDefault()} onClick={() => complete(e.emoji)}>
                    <Show when={e.image} fallback={e.emoji}>
                      <img class="custom-emoji" src={e.image} alt="" />
                    </Show>{' '}
                    :{e.name}:
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={editing()}>
          <p class="editing">
            {t('Editing your message.')}{' '}
            <button type="button" class="link-button" onClick={() => (setEditing(null), setDraft(''))}>
              {t('Cancel')}
            </button>
          </p>
        </Show>
        <Show when={preview()}>
          {(p) => (
            <div class="composer-preview" data-testid="composer-preview">
              <LinkPreviewCard preview={p().ref} />
              <button type="button" class="icon-button" aria-label={t('Remove the link preview')} onClick={() => (setNoPreviewFor(p().for), setPreview(null))}>
                ×
              </button>
            </div>
          )}
        </Show>
        <Show when={uploads().length > 0}>
          <ul class="pending-files" aria-label={t('Files to send')}>
            <For each={uploads()}>
              {(u) => (
                <li data-testid="pending-file">
                  <span class="file-name">{u.file.name}</span> <span class="muted">{formatSize(u.file.size)}</span>
                  <progress max="1" value={u.ref() ? 1 : u.progress()} aria-label={t('Encrypting and uploading {name}', { name: u.file.name })} />
                  <span class="muted">{u.ref() ? t('Ready') : `${Math.floor(u.progress() * 100)}%`}</span>
                  <button type="button" class="link-button" aria-label={t('Remove {name}', { name: u.file.name })} onClick={() => cancelUpload(u)}>
                    {u.ref() ? t('Remove') : t('Cancel')}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={visibleInterrupted().length > 0}>
          <ul class="pending-files" aria-label={t('Unfinished uploads')}>
            <For each={visibleInterrupted()}>
              {(r) => (
                <li data-testid="interrupted-upload">
                  <span class="file-name">{r.name}</span> <span class="muted">{formatSize(r.size)}</span>{' '}
                  <span class="muted">{t('Stopped before it was sent. Choose the same file to go on where it stopped.')}</span>{' '}
                  <label class="link-button">
                    {t('Choose file')}
                    <input
                      type="file"
                      class="visually-hidden"
                      aria-label={t('Choose {name} again to resume its upload', { name: r.name })}
                      onChange={(e) => {
                        const f = e.currentTarget.files?.[0];
                        if (f) attach([f], r);
                        e.currentTarget.value = '';
                      }}
                    />
                  </label>{' '}
                  <button type="button" class="link-button" aria-label={t('Discard the upload of {name}', { name: r.name })} onClick={() => void discardUpload(r)}>
                    {t('Discard')}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={uploadError()}>
          <p class="error" role="alert">
            {uploadError()}
          </p>
        </Show>
        <input
          ref={fileInput}
          type="file"
          multiple
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="file-input"
          onChange={(e) => {
            attach(e.currentTarget.files ?? []);
            e.currentTarget.value = '';
          }}
        />
        <button type="button" class="icon-button attach-button" aria-label={t('Attach files')} title={t('Attach files')} disabled={!canSend() || !!editing()} onClick={() => fileInput.click()}>
          <Icon name="attach" />
        </button>
        <Show when={instance()?.gifs}>
          <button type="button" class="icon-button gif-button" aria-label={t('Choose a GIF')} title={t('Choose a GIF')} disabled={!canSend() || !!editing()} onClick={() => setPickingGif(true)}>
            GIF
          </button>
        </Show>
        <button type="button" class="icon-button poll-button" aria-label={t('Create a poll')} title={t('Create a poll')} disabled={!canSend() || !!editing()} onClick={() => setMakingPoll(true)}>
          <Icon name="poll" />
        </button>
        <label class="visually-hidden" for="composer-input">
          {editing() ? t('Edit message') : t('Message {title}', { title: props.title })}
        </label>
        <textarea
          id="composer-input"
          ref={composer}
          rows={1}
          maxLength={MAX_MESSAGE_CHARS}
          placeholder={canSend() ? t('Message {title}', { title: props.title }) : t('Sending is disabled')}
          disabled={!canSend()}
          value={draft()}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onPaste={(e) => {
            const files = e.clipboardData?.files;
            if (files && files.length > 0) {
              e.preventDefault();
              attach(files);
            }
          }}
          onKeyDown={(e) => {
            const first = suggestions()[0];
            if (first && (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey))) {
              e.preventDefault();
              return complete(first.emoji);
            }
            const person = mentionOptions()[0];
            if (person !== undefined && e.key === 'Tab') {
              e.preventDefault();
              return completeMention(person);
            }
            if (e.key === 'Enter' && !e.shiftKey) submit(e);
            // Up in an empty composer edits your last message (as in Discord and Element).
            if (e.key === 'ArrowUp' && !draft() && !editing() && !e.altKey) {
              const last = [...messages].reverse().find((x) => x.sender === props.me && x.seq !== null && !x.deleted && x.text !== null);
              if (last) {
                e.preventDefault();
                startEdit(last);
              }
            }
            if (e.key === 'Escape' && editing()) (setEditing(null), setDraft(''));
            if (e.key === 'Escape' && replying()) setReplying(null);
          }}
        />
        <button
          type="button"
          class="icon-button schedule-button"
          aria-label={t('Schedule message')}
          title={uploads().length > 0 ? t('Files cannot be scheduled yet: send them now') : t('Schedule message')}
          disabled={!canSend() || !!editing() || uploads().length > 0 || !draft().trim()}
          onClick={() => setScheduling(true)}
        >
          <Icon name="clock" />
        </button>
        <button type="submit" class="primary" disabled={!canSend() || uploading() || (!draft().trim() && uploads().length === 0)}>
          {editing() ? t('Save') : uploading() ? t('Uploading…') : t('Send')}
        </button>
      </form>
      {/* The closed dialogs and panels are made a task after the pane, as the chat screen's are (Later.tsx). */}
      <Later>
      <Lightbox images={images()} current={viewing()} onChange={setViewing} />
      <EditHistory of={historyOf()} onClose={() => setHistoryOf(null)} />
      <ReportDialog
        open={reporting() !== null}
        onClose={() => setReporting(null)}
        session={props.session ?? null}
        channelId={props.session?.channelId ?? ''}
        seq={reporting()?.seq ?? null}
        senderName={reporting() ? props.nameOf(reporting()!.sender) : ''}
        community={!!props.inCommunity}
      />
      <GifPicker open={pickingGif()} onClose={() => setPickingGif(false)} onPick={(file) => attach([file])} />
      <Show when={showThreads() && props.session}>
        <ThreadsList
          channelId={props.session!.channelId}
          threads={threads()}
          me={props.me}
          now={now()}
          nameOf={props.nameOf}
          onOpen={(root) => (setShowThreads(false), setThreadOpen(root))}
          onClose={() => setShowThreads(false)}
        />
      </Show>
      <Show when={openThread()?.root && props.session}>
        <ThreadPanel
          channelId={props.session!.channelId}
          root={openThread()!.root!}
          replies={openThread()!.replies}
          me={props.me}
          now={now()}
          canSend={canSend()}
          nameOf={props.nameOf}
          renderText={(text) => withCustomEmoji(renderMarkdown(text), props.customEmoji)}
          onSend={replyInThread}
          onClose={() => setThreadOpen(null)}
        />
      </Show>
      <ScheduleDialog
        open={scheduling() !== false}
        initial={typeof scheduling() === 'object' ? { text: (scheduling() as ScheduledView).body?.text ?? '', at: (scheduling() as ScheduledView).at } : null}
        onClose={() => setScheduling(false)}
        onSchedule={schedule}
      />
      <PollComposer open={makingPoll()} onClose={() => setMakingPoll(false)} onSend={(poll) => (props.session?.enqueue('message', { v: 1, poll }), setMakingPoll(false))} />
      </Later>
    </section>
  );
}

/** A file being encrypted and uploaded for the next message. */
interface PendingUpload {
  key: string;
  file: File;
  progress: () => number;
  /** Set once it has arrived: what the message carries. */
  ref: () => FileRef | null;
  /** The upload's id on the server, once it has one. */
  id: () => string | null;
  abort: AbortController;
}

/** A call's length for its notice: "45 s", "3 min", "1 h 5 min". */
function callDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return t('{count} s', { count: s });
  const min = Math.round(s / 60);
  if (min < 60) return t('{count} min', { count: min });
  return t('{hours} h {minutes} min', { hours: Math.floor(min / 60), minutes: min % 60 });
}
