/**
 * One open channel (community channel or DM) as Solid state: its socket, the messages decrypted
 * so far, and the outbox.
 *
 * - Catch-up: decrypted envelopes are cached in IndexedDB by (channel, seq); on open the cache is
 *   shown and `hello {lastSeq}` asks only for what came after (a SenderKey message opens once, so
 *   the cache is what makes history readable again after a reload).
 * - A device that has nothing cached does not replay the whole channel: it asks for the newest
 *   page (`history`), then says `hello` from there. Older pages come when the list scrolls back
 *   (`loadOlder`), so opening a long conversation costs one page, not its whole history.
 * - The view is a window over the newest messages that grows as the list scrolls back, so the
 *   pane renders tens of rows, not thousands. Cache writes are batched per turn of work.
 * - Exactly once: each outgoing message gets its clientMsgId when queued and its ciphertext the
 *   first time it is sealed; every resend after a reconnect repeats both, and the server stores
 *   a clientMsgId once (`duplicate: true` acks are treated like the first).
 * - No plaintext fallback: if sealing fails the message stays queued, marked with the reason.
 * It does not render anything; components/MessagePane.tsx does.
 */
import { refusalText } from '../api/errorText';
import { batch, createSignal } from 'solid-js';
import type { CallParticipant } from '../../../protocol/calls';
import type { HeldReason, ScheduledOut } from '../../../protocol/scheduled';
import type { EnvelopeKind, EnvelopeOut, Mentions, ServerFrame } from '../../../protocol/frames';
import type { CryptoErrorCode, MessageStatus } from '../crypto';
import type { Engine, OpenResult } from '../e2ee/Engine';
import { frankedPlaintext, commitmentHolds } from '../e2ee/franking';
import { FRANKED_KINDS } from '../../../protocol/franking';
import { readWebhookPost } from '../e2ee/webhookPost';
import { decodeBody, type CallNotice, type FileRef, type LinkPreviewRef, type MessageBody } from '../e2ee/MessageBody';
import { applyVote, type PollView } from '../e2ee/polls';
import { forgetMedia } from '../files/transfer';
import { toBase64Url } from '../e2ee/base64';
import type { Db } from './idb';
import { ReconnectingSocket } from '../ws/ReconnectingSocket';
import { nextTask } from '../api/taskSlot';
import { docsOf, searchableText, searchIndex } from '../search/searchStore';

/** One envelope as this device understood it (what the cache holds). */
export interface MessageRecord {
  seq: number;
  clientMsgId: string;
  sender: string;
  ts: number;
  kind: EnvelopeKind;
  target?: number;
  replyTo?: number;
  deleted?: boolean;
  body?: MessageBody;
  status?: MessageStatus;
  /** Why it could not be opened; with the ciphertext kept so it can be retried. */
  error?: CryptoErrorCode | 'waiting-for-key' | 'unreadable-body' | 'franking-mismatch';
  ciphertext?: string;
  /** Disappearing messages: when it (and what is about it) stops being shown and is forgotten here. */
  expiresAt?: number;
  /** Its disappearing timer ran out: kept only as a seq, never shown. */
  expired?: true;
  /** Message franking (protocol/franking.ts): the commitment and the room's tag, as the envelope carried them. */
  franking?: string;
  frankTag?: string;
  /** The exact plaintext that was decrypted (JSON text), kept so a report can disclose it byte for byte. */
  raw?: string;
  /** A post through one of the channel's webhooks (kind `webhook`): never encrypted (issue #17 item 3). */
  webhook?: { name: string; username?: string };
}

/** An outgoing envelope not yet acknowledged. */
interface OutboxItem {
  clientMsgId: string;
  kind: EnvelopeKind;
  target?: number;
  replyTo?: number;
  mentions?: Mentions;
  body: MessageBody;
  ts: number;
  ciphertext?: string;
  /** The recipients epoch `ciphertext` was sealed for (issue #20). */
  epoch?: number;
  /** The franking commitment sealed with `ciphertext` (messages and edits). */
  franking?: string;
  problem?: string;
}

/** A message as the list shows it: the original with its latest edit and deletion applied. */
export interface ViewMessage {
  key: string;
  seq: number | null;
  sender: string;
  ts: number;
  text: string | null;
  edited: boolean;
  /**
   * Every version of an edited message's text, oldest (the original) first, the current one
   * last, each with when it was sent (issue #15 item 3). Each came as its own envelope, so anyone
   * who can read the message reads its history; none once it is deleted.
   */
  versions?: { text: string; ts: number }[];
  deleted: boolean;
  pending: boolean;
  problem?: string;
  lock: { kind: 'status'; status: MessageStatus } | { kind: 'error'; code: string } | { kind: 'sending' } | { kind: 'webhook'; name: string };
  /** Posted by a webhook (issue #17 item 3): the name to show, and that it is not end-to-end encrypted. */
  webhook?: { name: string; username?: string };
  /**
   * History imported from Discord (issue #19 item 7): the original author's name (never an
   * account here; `sender` is then `imported:<name>` so rows group by author) and who imported it.
   */
  imported?: { author: string; by: string; source: 'discord'; reactions?: { emoji: string; count: number }[]; pinned?: true; reply?: { author: string; text: string } };
  /** What this message answers: the quote it carries. */
  replyTo?: { seq: number; sender: string; text: string };
  /** Reactions by emoji: who reacted (user ids), in the order they first did. */
  reactions: { emoji: string; users: string[] }[];
  pinned: boolean;
  /** Encrypted files the message carries (issue #13); none once it is deleted. */
  files: FileRef[];
  /** A call notice (issue #14) instead of text. */
  call?: CallNotice;
  /** A poll (issue #15 item 1) with the votes counted so far. */
  poll?: PollView;
  /** Disappearing messages: when it disappears. */
  expiresAt?: number;
  /** A link preview the sender's device fetched (issue #15 item 6). */
  preview?: LinkPreviewRef;
}

/** A pending scheduled message of this user here (issue #15 item 4), as the scheduled list shows it. */
export interface ScheduledView {
  clientMsgId: string;
  at: number;
  /** What it says: from this device's copy, or opened like any envelope; null when neither can. */
  body: MessageBody | null;
  replyTo?: number;
  held?: HeldReason;
}

/** Scheduling needs the channel's socket (the room keeps the message): it is not open now. */
export class NotConnected extends Error {
  constructor() {
    super('not connected');
  }
}

/** A message this device scheduled, kept here (with the rest of the device's plaintext) until it is released. */
interface ScheduledCopy {
  body: MessageBody;
  at: number;
  replyTo?: number;
  mentions?: Mentions;
}

/** A thread as the threads list shows it. */
export interface ThreadView {
  root: ViewMessage;
  replies: number;
  /** The latest reply (its seq is null while it is being sent). */
  last: ViewMessage;
}

/** Adds or takes back one person's reaction on a message (the latest envelope of theirs wins). */
function applyReaction(m: ViewMessage, userId: string, emoji: string, remove: boolean): void {
  let entry = m.reactions.find((x) => x.emoji === emoji);
  if (!entry && !remove) m.reactions.push((entry = { emoji, users: [] }));
  if (!entry) return;
  entry.users = entry.users.filter((u) => u !== userId);
  if (!remove) entry.users.push(userId);
  if (entry.users.length === 0) m.reactions = m.reactions.filter((x) => x !== entry);
}

/** Applies an edit: the new text becomes current, and the history keeps every version. */
function addVersion(m: ViewMessage, text: string, ts: number): void {
  m.versions ??= [{ text: m.text ?? '', ts: m.ts }];
  m.versions.push({ text, ts });
  m.text = text;
  m.edited = true;
}

/** Shortest interval between two re-renders of the message list while envelopes stream in, ms. */
const RENDER_EVERY_MS = 100;
/** Envelopes asked for per history page. */
const PAGE = 100;
/** How long envelopes that arrive before a (re)connected socket's `ready` wait for the rest of its replay. */
const HOLD_MS = 250;
/** Report `seen` at least this often in bytes: an eighth of the room's MAX_UNSEEN_BYTES, so large envelopes never trip it. */
const SEEN_EVERY_BYTES = 512 * 1024;
/** What an envelope frame adds to its ciphertext (ids, seq, kind, mentions), for that count. */
const FRAME_OVERHEAD_BYTES = 256;
/** How many more messages each scroll back shows; also the first page asked of the server. */
const WINDOW = 50;
/**
 * Messages an opened conversation draws at first: more than a phone's screen holds. Each row
 * costs about 1 ms of main thread to draw, lay out and place on this project's machines (4 ms at
 * Lighthouse's 4× phone slowdown), and 50 at once made the opening's longest task 78 ms
 * (bench:lighthouse). A screen taller than these rows is filled from the rest of the page once
 * the conversation has caught up (the list's top in view shows more), and an unread message
 * further back, within a page, widens the window to it (`showFirstUnread`).
 */
const FIRST_WINDOW = 20;
/**
 * The first window is drawn this many rows a task, newest first: the newest rows in the task that
 * reads the cache, the rest a step a task after it (a few milliseconds each). At Lighthouse's 4×
 * phone slowdown 20 rows in one task held the main thread about 250 ms (its longest task,
 * bench:lighthouse); a task under 50 ms there blocks nothing.
 */
const FIRST_STEP = 5;

const newClientMsgId = () => toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
/** Cache writes still in flight per channel, so a session opened right after another closed reads them. */
const unflushed = new Map<string, Promise<void>>();

/** Errors a later sender-key distribution can cure. */
const RETRYABLE = new Set(['waiting-for-key', 'not-a-recipient', 'sent-before-join']);

export class ChannelSession {
  readonly socket: ReconnectingSocket;
  private readonly recordsSignal = createSignal<Map<number, MessageRecord>>(new Map(), { equals: false });
  private readonly outboxSignal = createSignal<OutboxItem[]>([], { equals: false });
  private readonly readySignal = createSignal(false);
  /** The newest seq held when the first `hello` replay finished: what comes after it arrived live. */
  private readonly liveFromSignal = createSignal<number | null>(null);
  private readonly sendErrorSignal = createSignal<string | null>(null);
  private lastSeq = 0;
  /** The room's recipients epoch as last heard (ready, member-removed, epoch); sealing uses it (issue #20). */
  private epoch: number | undefined;
  private loaded: Promise<void>;
  private flushing = false;
  private unsubscribe: () => void;
  /** Envelopes are opened strictly in seq order through this chain. */
  private incoming: Promise<void> = Promise.resolve();
  /** Flow control (docs/protocol.md "Slow readers"): envelopes processed but not yet reported. */
  private unreported = 0;
  private unreportedBytes = 0;
  private processedSeq = 0;
  private seenTimer: ReturnType<typeof setTimeout> | undefined;
  /** How many of the newest messages the view shows. */
  private readonly windowSignal = createSignal(FIRST_STEP);
  /** True while the first window is still being drawn a step at a time (`widenFirstWindow`). */
  private readonly openingSignal = createSignal(true);
  /** Whether the server may hold envelopes older than the oldest one here. */
  private readonly olderSignal = createSignal(true);
  private readonly loadingOlderSignal = createSignal(false);
  /** Read receipts seen on this socket: how far each member has read (only people who share them). */
  private readonly readersSignal = createSignal(new Map<string, number>(), { equals: false });
  /** Who is in this channel's call, as the room last said (empty: no call). */
  private readonly callRosterSignal = createSignal<CallParticipant[]>([]);
  readonly callRoster = this.callRosterSignal[0];
  /** This user's pending scheduled messages here, as the room last listed them. */
  private readonly scheduledSignal = createSignal<ScheduledView[]>([]);
  readonly scheduled = this.scheduledSignal[0];
  /** Why the room refused the last schedule request, if it did. */
  private readonly scheduleErrorSignal = createSignal<string | null>(null);
  readonly scheduleError = this.scheduleErrorSignal[0];
  /** Plaintexts of what this device scheduled here, by clientMsgId (the `device` store). */
  private scheduledCopies: Record<string, ScheduledCopy> = {};
  /** True while the first page for an empty cache is on its way (hello waits for it). */
  private awaitingFirstPage = false;
  /** Cache writes not yet committed, flushed in one transaction. */
  private pendingWrites = new Map<number, MessageRecord>();
  private writeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Envelopes received and not yet handed to `receivePage`. */
  private arrived: EnvelopeOut[] = [];
  private arrivalScheduled = false;
  /**
   * From a socket's open until its `ready`: the room may fan a new envelope out to the socket
   * before the hello replay of the ones it missed, so a live one waits for the replay and they
   * are opened together in order (CI saw message 3 of 3 drawn alone for a moment after a reconnect).
   * Held at most HOLD_MS: a long replay pauses at the unseen bound until this socket reports
   * `seen`, so envelopes must not wait for `ready` without end.
   */
  private replaying = true;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly channelId: string,
    private readonly engine: Engine,
    private readonly db: Db,
  ) {
    // The cache's rows are drawn in the task that reads them, FIRST_STEP of them; the rest follow.
    this.loaded = this.loadCache().finally(() => this.widenFirstWindow());
    this.socket = new ReconnectingSocket(`/ws/channels/${encodeURIComponent(channelId)}`, {
      open: () => {
        this.readySignal[1](false);
        this.replaying = true;
        void this.loaded.then(() => {
          if (this.lastSeq === 0) {
            // Nothing cached: the newest page first, then hello from its end.
            this.awaitingFirstPage = true;
            this.socket.send({ type: 'history', limit: WINDOW });
          } else this.socket.send({ type: 'hello', lastSeq: this.lastSeq });
        });
      },
      frame: (f) => this.onFrame(f as ServerFrame),
    });
    this.unsubscribe = engine.onSenderKey((id) => id === channelId && void this.retryWaiting());
  }

  /** True after the `hello` replay finished on the current connection. */
  readonly ready = () => this.readySignal[0]();
  readonly sendError = () => this.sendErrorSignal[0]();
  /** Messages with a seq above this arrived live, after this session first caught up (null until then). */
  readonly liveFrom = () => this.liveFromSignal[0]();
  /** True until the opened conversation's first window is drawn whole (the list waits for it before asking for older messages). */
  readonly opening = () => this.openingSignal[0]();

  /** True while more history can be shown by scrolling back (held here or on the server). */
  readonly hasOlder = () => this.olderSignal[0]() || this.messageCount() > this.windowSignal[0]();
  readonly loadingOlder = () => this.loadingOlderSignal[0]();

  /** Shows older messages: more of what is held here, else the next page from the server. */
  loadOlder(): void {
    if (this.messageCount() > this.windowSignal[0]()) {
      this.windowSignal[1](this.windowSignal[0]() + WINDOW);
      return;
    }
    if (!this.olderSignal[0]() || this.loadingOlderSignal[0]()) return;
    const oldest = this.oldestSeq();
    if (oldest <= 1) return void this.olderSignal[1](false);
    this.loadingOlderSignal[1](true);
    if (!this.socket.send({ type: 'history', before: oldest, limit: PAGE })) this.loadingOlderSignal[1](false);
  }

  private oldestSeq(): number {
    let min = Infinity;
    for (const seq of this.recordsSignal[0]().keys()) min = Math.min(min, seq);
    return min === Infinity ? this.lastSeq + 1 : min;
  }

  private messageCount(): number {
    let n = 0;
    // Rows, as the view draws them: an imported batch is one row per message it carries.
    for (const r of this.recordsSignal[0]().values()) if (r.kind === 'message' || r.kind === 'webhook') n += r.body?.imported && !r.deleted ? r.body.imported.messages.length : 1;
    return n;
  }

  close(): void {
    clearTimeout(this.seenTimer);
    clearTimeout(this.holdTimer);
    void this.flushWrites();
    this.unsubscribe();
    this.socket.close();
  }

  private async loadCache(): Promise<void> {
    // A session of this channel that just closed may still be writing its last records; reading
    // before they land would replay envelopes whose keys are spent (they open only once).
    await unflushed.get(this.channelId);
    this.scheduledCopies = (await this.db.get<Record<string, ScheduledCopy>>('device', this.scheduledKey())) ?? {};
    const cached = await this.db.getAll<MessageRecord>('messages', IDBKeyRange.bound([this.channelId, 0], [this.channelId, Number.MAX_SAFE_INTEGER]));
    const map = this.recordsSignal[0]();
    for (const r of cached) {
      map.set(r.seq, r);
      this.lastSeq = Math.max(this.lastSeq, r.seq);
    }
    if (cached.length > 0 && cached[0]!.seq <= 1) this.olderSignal[1](false);
    this.setRecords(map);
    this.expireDue();
  }

  /** Draws the rest of the first window FIRST_STEP rows a task; a window already wider (scrolled back, a first unread) is kept. */
  private widenFirstWindow(): void {
    const step = () => {
      const shown = this.windowSignal[0]();
      if (shown >= FIRST_WINDOW) return void this.openingSignal[1](false);
      this.windowSignal[1](Math.min(FIRST_WINDOW, shown + FIRST_STEP));
      nextTask(step);
    };
    nextTask(step);
  }

  /** Shows a record now and caches it with the other records of this turn in one transaction. */
  private saveRecord(r: MessageRecord): void {
    if (r.expiresAt !== undefined && !r.expired) this.expireAt(r.expiresAt);
    if (r.deleted && r.kind === 'message' && this.recordsSignal[0]().get(r.seq)?.body) this.unindex(r.seq);
    this.recordsSignal[0]().set(r.seq, r);
    this.changed();
    this.lastSeq = Math.max(this.lastSeq, r.seq);
    this.pendingWrites.set(r.seq, r);
    this.writeTimer ??= setTimeout(() => void this.flushWrites(), 0);
  }

  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextExpiry = Infinity;

  /** The person is typing here: the sender key goes out now, not after Enter (Engine.prepare). */
  prepareToSend(): void {
    void this.engine.prepare(this.channelId, this.epoch);
  }

  /** Wakes the session when a disappearing message is due (the room erases it then too). */
  private expireAt(at: number): void {
    if (at >= this.nextExpiry) return;
    clearTimeout(this.expiryTimer);
    this.nextExpiry = at;
    // Timers cap near 24.8 days; a later expiry is looked at again then.
    this.expiryTimer = setTimeout(() => this.expireDue(), Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
  }

  /**
   * Forgets every message whose disappearing timer ran out, with everything about it (its edits'
   * text, reactions, votes): their plaintext leaves the view and this device's cache, and
   * decrypted media of its files leaves the page (issue #15 item 5).
   */
  private expireDue(): void {
    this.expiryTimer = undefined;
    this.nextExpiry = Infinity;
    const now = Date.now();
    const records = this.recordsSignal[0]();
    const due = new Set<number>();
    for (const r of records.values()) {
      if (r.expiresAt === undefined || r.expired) continue;
      if (r.expiresAt <= now) due.add(r.seq);
      else this.expireAt(r.expiresAt);
    }
    if (due.size === 0) return;
    for (const seq of due) if (records.get(seq)?.kind === 'message' && records.get(seq)?.body) this.unindex(seq);
    const files: string[] = [];
    for (const r of [...records.values()]) {
      if (!due.has(r.seq) && (r.target === undefined || !due.has(r.target))) continue;
      for (const f of r.body?.files ?? []) files.push(f.id);
      const { body: _b, ciphertext: _c, error: _e, raw: _r, ...rest } = r;
      this.saveRecord({ ...rest, deleted: true, expired: true });
    }
    forgetMedia(files);
  }

  /**
   * Search (issue #15 item 8): a message deleted or expired leaves this device's search index with
   * every word any version of it had (read here before its text is dropped).
   */
  private unindex(seq: number): void {
    const records = this.recordsSignal[0]();
    const texts: string[] = [];
    const root = records.get(seq);
    if (root?.body) texts.push(searchableText(root.body));
    for (const r of records.values()) if (r.kind === 'edit' && r.target === seq && r.body) texts.push(searchableText({ ...(root?.body ?? { v: 1 }), text: r.body.text }));
    void searchIndex()
      .then((index) => index.remove(this.channelId, seq, texts))
      .catch((e) => console.warn('search index not updated', e));
  }

  private flushWrites(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    if (this.pendingWrites.size === 0) return unflushed.get(this.channelId) ?? Promise.resolve();
    const batch = [...this.pendingWrites.values()];
    this.pendingWrites = new Map();
    // What was decrypted goes into this device's search index, once the cache (which the index reads text from) has it.
    const records = this.recordsSignal[0]();
    const docs = docsOf(this.channelId, batch.sort((a, b) => a.seq - b.seq), (seq) => records.get(seq));
    const before = unflushed.get(this.channelId) ?? Promise.resolve();
    const done = before
      .then(() =>
        this.db.write('messages', (tx) => {
          for (const r of batch) tx.objectStore('messages').put(r, [this.channelId, r.seq]);
        }),
      )
      .catch((e) => console.warn('message cache not written', e));
    unflushed.set(this.channelId, done);
    void done.then(() => unflushed.get(this.channelId) === done && unflushed.delete(this.channelId));
    if (docs.length > 0) void done.then(() => searchIndex().then((index) => index.add(docs))).catch((e) => console.warn('search index not updated', e));
    return done;
  }

  private lastRender = 0;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Tells the view the records changed: at once when nothing changed for a while (a live
   * message shows without delay), otherwise at most every RENDER_EVERY_MS, so catching up on a
   * thousand envelopes re-renders the list a few times rather than a thousand.
   */
  private changed(): void {
    if (this.renderTimer !== undefined) return;
    const wait = this.lastRender + RENDER_EVERY_MS - Date.now();
    const render = () => {
      this.renderTimer = undefined;
      this.lastRender = Date.now();
      this.setRecords(this.recordsSignal[0]());
    };
    if (wait <= 0) render();
    else this.renderTimer = setTimeout(render, wait);
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'envelopes':
        // chatalot.v2: envelopes that queued up for this socket, sent as one frame.
        for (const e of f.envelopes) this.onFrame(e);
        break;
      case 'envelope': {
        // Envelopes that arrive together (a hello replay) are opened together, as one page.
        this.arrived.push(f);
        if (!this.replaying) this.openArrivals();
        else this.holdTimer ??= setTimeout(() => this.openArrivals(), HOLD_MS);
        break;
      }
      case 'history': {
        const page = f.envelopes;
        const first = this.awaitingFirstPage;
        this.incoming = this.incoming
          .then(() => this.receivePage(page))
          .then(() => {
            for (const env of page) this.processedSeq = Math.max(this.processedSeq, env.seq);
            this.reportSeen();
            if (page.length < (first ? WINDOW : PAGE) || (page[0]?.seq ?? 1) <= 1) this.olderSignal[1](false);
            if (!first) {
              this.loadingOlderSignal[1](false);
              this.windowSignal[1](this.windowSignal[0]() + WINDOW);
            }
          });
        if (first) {
          this.awaitingFirstPage = false;
          void this.incoming.then(() => this.socket.send({ type: 'hello', lastSeq: Math.max(this.lastSeq, f.head) }));
        }
        break;
      }
      case 'ready':
        this.epoch = Math.max(this.epoch ?? 0, f.epoch ?? 0);
        this.replaying = false;
        if (this.arrived.length > 0) this.openArrivals();
        void this.incoming.then(() => {
          this.readySignal[1](true);
          if (this.liveFromSignal[0]() === null) this.liveFromSignal[1](this.lastSeq);
          this.socket.send({ type: 'scheduled' });
          void this.flush();
        });
        break;
      case 'ack':
        void this.acknowledged(f.clientMsgId, f.seq, f.ts, f.expiresAt).finally(() => this.processed(f.seq));
        break;
      case 'read': {
        const readers = this.readersSignal[0]();
        if ((readers.get(f.userId) ?? 0) < f.seq) this.readersSignal[1](readers.set(f.userId, f.seq));
        break;
      }
      case 'member-removed':
        this.epoch = Math.max(this.epoch ?? 0, f.epoch ?? 0);
        void this.engine.rotate(this.channelId);
        break;
      case 'epoch':
        this.epoch = Math.max(this.epoch ?? 0, f.epoch);
        break;
      case 'call-roster':
        this.callRosterSignal[1](f.participants);
        break;
      case 'scheduled':
        void this.listScheduled(f.items);
        break;
      case 'error': {
        const ref = f.error.ref;
        const scheduling = ref ? this.scheduling.get(ref) : undefined;
        if (ref && scheduling) {
          this.scheduling.delete(ref);
          // Sealed for recipients that changed meanwhile: seal again, once.
          if (f.error.code === 'members_changed' && !scheduling.retried) void this.schedule(scheduling.body, scheduling.at, scheduling.replyTo, scheduling.mentions, ref, true);
          else this.scheduleErrorSignal[1](refusalText(f.error.code, f.error.message));
          break;
        }
        const item = ref ? this.outboxSignal[0]().find((o) => o.clientMsgId === ref) : undefined;
        if (item && f.error.code === 'members_changed') {
          // Sealed for recipients that have changed since (issue #20): seal again for the current
          // ones (the room told this socket the new epoch before refusing) and send at once.
          const stale = item.epoch;
          item.ciphertext = undefined;
          item.epoch = undefined;
          // Normally the new epoch is already here; if not, a moment's wait rather than a loop.
          if (this.epoch !== undefined && (stale === undefined || this.epoch > stale)) void this.flush();
          else setTimeout(() => void this.flush(), 1000);
        } else if (item && f.error.code !== 'rate_limited' && f.error.code !== 'slow_mode') {
          // Refused for good (no permission, target gone): drop it and say why.
          this.setOutbox(this.outboxSignal[0]().filter((o) => o !== item));
          this.sendErrorSignal[1](refusalText(f.error.code, f.error.message));
        } else if (item) {
          item.problem = refusalText(f.error.code, f.error.message);
          this.setOutbox(this.outboxSignal[0]());
          setTimeout(() => void this.flush(), 2000);
        }
        break;
      }
    }
  }

  /**
   * Reports progress with `seen` every 100 envelopes or SEEN_EVERY_BYTES of them, or a second
   * after the first unreported one, so the room never closes this socket as a stalled reader
   * (4008, MAX_UNSEEN_ENVELOPES and MAX_UNSEEN_BYTES) while we keep up.
   */
  private processed(seq: number, bytes = 0): void {
    this.processedSeq = Math.max(this.processedSeq, seq);
    this.unreportedBytes += bytes;
    if (++this.unreported >= 100 || this.unreportedBytes >= SEEN_EVERY_BYTES) return this.reportSeen();
    this.seenTimer ??= setTimeout(() => this.reportSeen(), 1000);
  }

  private reportSeen(): void {
    clearTimeout(this.seenTimer);
    this.seenTimer = undefined;
    this.unreported = 0;
    this.unreportedBytes = 0;
    this.socket.send({ type: 'seen', seq: Math.max(this.lastSeq, this.processedSeq) });
  }

  /** Whether `env` still has to be decrypted (not held already, not our own echo, not a tombstone). */
  private needsOpening(env: EnvelopeOut): boolean {
    if (env.deleted || env.kind === 'delete' || env.kind === 'webhook' || (this.recordsSignal[0]().has(env.seq) && !env.deleted)) return false;
    if (env.sender === this.engine.userId && this.scheduledCopies[env.clientMsgId]) return false;
    return !(env.sender === this.engine.userId && this.outboxSignal[0]().some((o) => o.clientMsgId === env.clientMsgId));
  }

  /** Receives envelopes in seq order, decrypting those that need it in one engine turn. */
  private async receivePage(page: EnvelopeOut[]): Promise<void> {
    // The same envelope twice in one batch (a live copy beside a replayed one) is opened once:
    // opening it again would fail as a duplicate and overwrite the good result.
    const seen = new Set<number>();
    const toOpen = page.filter((env) => this.needsOpening(env) && !seen.has(env.seq) && (seen.add(env.seq), true));
    let opened = new Map<number, OpenResult>();
    try {
      const results = await this.engine.openMany(this.channelId, toOpen);
      opened = new Map(toOpen.map((env, i) => [env.seq, results[i]!]));
    } catch (e) {
      console.warn('page not opened at once; opening one by one', e);
    }
    for (const env of page) await this.receive(env, opened.get(env.seq)).catch((e) => console.warn('envelope not processed', e));
  }

  private async receive(env: EnvelopeOut, preOpened?: OpenResult): Promise<void> {
    const known = this.recordsSignal[0]().get(env.seq);
    if (known && (!env.deleted || known.expired)) return;
    const base: MessageRecord = {
      seq: env.seq,
      clientMsgId: env.clientMsgId,
      sender: env.sender,
      ts: env.ts,
      kind: env.kind ?? 'message',
      ...(env.target !== undefined ? { target: env.target } : {}),
      ...(env.replyTo !== undefined ? { replyTo: env.replyTo } : {}),
      ...(env.expiresAt !== undefined ? { expiresAt: env.expiresAt } : {}),
      ...(env.franking !== undefined ? { franking: env.franking } : {}),
      ...(env.frankTag !== undefined ? { frankTag: env.frankTag } : {}),
    };
    // Our own envelope replayed before its ack reached us: it is the ack.
    const mine = this.outboxSignal[0]().find((o) => o.clientMsgId === env.clientMsgId);
    if (mine && env.sender === this.engine.userId) return this.acknowledged(env.clientMsgId, env.seq, env.ts, env.expiresAt);
    // A message this device scheduled, released by the room: its text is here already.
    const copy = env.sender === this.engine.userId ? this.scheduledCopies[env.clientMsgId] : undefined;
    if (copy && !env.deleted) {
      void this.forgetScheduledCopy(env.clientMsgId);
      return this.saveRecord({ ...base, body: copy.body, status: 'encrypted-verified' });
    }
    // Erased because its timer ran out: never shown, not even as "deleted".
    if (env.deleted) return this.saveRecord({ ...base, deleted: true, ...(env.expiresAt !== undefined && env.expiresAt <= Date.now() ? { expired: true as const } : {}) });
    // A webhook's post is plaintext by nature: read, never decrypted (issue #17 item 3).
    if (base.kind === 'webhook') {
      const post = readWebhookPost(env.ciphertext);
      return this.saveRecord(post ? { ...base, body: { v: 1, text: post.text }, status: 'not-encrypted', webhook: { name: post.name, ...(post.username ? { username: post.username } : {}) } } : { ...base, error: 'unreadable-body' });
    }
    // A delete carries nothing to read (a moderator's, made by the server, not even a ciphertext).
    this.saveRecord(base.kind === 'delete' ? base : await this.openRecord(base, env.ciphertext, preOpened));
    if (base.kind === 'delete' && base.target !== undefined) {
      // Scrub the deleted message's cached text too, not only its ciphertext on the server.
      // The author's own delete, or a moderator's (the room accepts only deletes it authorized).
      const target = this.recordsSignal[0]().get(base.target);
      if (target) {
        const { body: _b, ciphertext: _c, raw: _r, ...rest } = target;
        this.saveRecord({ ...rest, deleted: true });
      }
    }
  }

  private async openRecord(base: MessageRecord, ciphertext: string, preOpened?: OpenResult): Promise<MessageRecord> {
    const opened = preOpened ?? (await this.engine.open(this.channelId, { sender: base.sender, ciphertext, ts: base.ts }));
    const { error: _e, ciphertext: _c, body: _b, status: _s, raw: _r, ...rest } = base;
    if (!opened.ok) return { ...rest, error: opened.code, ciphertext };
    // A commitment that does not match what it commits to would make the message unreportable:
    // such a message is not shown (the room requires one on every message and edit).
    if (base.franking !== undefined && !commitmentHolds(opened.plaintext, base.franking)) return { ...rest, error: 'franking-mismatch' };
    const body = decodeBody(opened.plaintext);
    if (!body) return { ...rest, error: 'unreadable-body' };
    const raw = base.franking !== undefined && base.sender !== this.engine.userId ? { raw: new TextDecoder().decode(opened.plaintext) } : {};
    return { ...rest, body, status: opened.status, ...raw };
  }

  private async retryWaiting(): Promise<void> {
    this.incoming = this.incoming.then(async () => {
      const waiting = [...this.recordsSignal[0]().values()].filter((r) => r.error && RETRYABLE.has(r.error) && r.ciphertext).sort((a, b) => a.seq - b.seq);
      const results = await this.engine.openMany(this.channelId, waiting.map((r) => ({ sender: r.sender, ciphertext: r.ciphertext!, ts: r.ts })));
      for (const [i, r] of waiting.entries()) this.saveRecord(await this.openRecord(r, r.ciphertext!, results[i]));
    });
    await this.incoming;
  }

  private async acknowledged(clientMsgId: string, seq: number, ts: number, expiresAt?: number): Promise<void> {
    const item = this.outboxSignal[0]().find((o) => o.clientMsgId === clientMsgId);
    if (!item) return;
    void this.forgetScheduledCopy(clientMsgId);
    batch(() => {
      this.setOutbox(this.outboxSignal[0]().filter((o) => o !== item));
    });
    this.saveRecord({
      seq,
      clientMsgId,
      sender: this.engine.userId,
      ts,
      kind: item.kind,
      ...(item.target !== undefined ? { target: item.target } : {}),
      ...(item.replyTo !== undefined ? { replyTo: item.replyTo } : {}),
      body: item.body,
      status: 'encrypted-verified',
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    if (item.kind === 'delete' && item.target !== undefined) {
      const target = this.recordsSignal[0]().get(item.target);
      if (target) {
        const { body: _b, ciphertext: _c, raw: _r, ...rest } = target;
        this.saveRecord({ ...rest, deleted: true });
      }
    }
  }

  /**
   * Queues an envelope — a message (a reply when `replyTo` is given), an edit or deletion of
   * one's own message, a reaction, a pin — sent now or on reconnect, exactly once (its client
   * message id makes a resend idempotent).
   */
  enqueue(kind: EnvelopeKind, body: MessageBody, target?: number, replyTo?: number, mentions?: Mentions, clientMsgId = newClientMsgId()): void {
    this.sendErrorSignal[1](null);
    if (this.outboxSignal[0]().some((o) => o.clientMsgId === clientMsgId)) return;
    const item: OutboxItem = {
      clientMsgId,
      kind,
      body,
      ts: Date.now(),
      ...(target !== undefined ? { target } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
      ...(mentions ? { mentions } : {}),
    };
    this.setOutbox([...this.outboxSignal[0](), item]);
    void this.flush();
  }

  /** Schedule requests the room has not answered yet, by clientMsgId. */
  private readonly scheduling = new Map<string, ScheduledCopy & { retried: boolean }>();

  /**
   * Scheduled messages (issue #15 item 4, protocol/scheduled.ts): seals `body` now, for the
   * members as they are, and hands it to the room to release at `at`. Scheduling an existing
   * `clientMsgId` again replaces it (an edit). This device keeps the plaintext until the release,
   * to list it, edit it, and seal it again if the room holds it because the members changed.
   */
  async schedule(body: MessageBody, at: number, replyTo?: number, mentions?: Mentions, clientMsgId = newClientMsgId(), retried = false): Promise<void> {
    this.scheduleErrorSignal[1](null);
    if (!this.ready()) throw new NotConnected();
    const epoch = this.epoch;
    const { plaintext, franking } = frankedPlaintext('message', body);
    const ciphertext = await this.engine.seal(this.channelId, plaintext, epoch);
    const copy: ScheduledCopy = { body, at, ...(replyTo !== undefined ? { replyTo } : {}), ...(mentions ? { mentions } : {}) };
    await this.keepScheduledCopy(clientMsgId, copy);
    this.scheduling.set(clientMsgId, { ...copy, retried });
    const sent = this.socket.send({
      type: 'schedule',
      clientMsgId,
      ciphertext,
      franking,
      at,
      ...(replyTo !== undefined ? { replyTo } : {}),
      ...(mentions ? { mentions } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
    });
    if (!sent) {
      this.scheduling.delete(clientMsgId);
      throw new NotConnected();
    }
  }

  /** Cancels a pending scheduled message. */
  unschedule(clientMsgId: string): void {
    this.socket.send({ type: 'unschedule', clientMsgId });
    void this.forgetScheduledCopy(clientMsgId);
  }

  /** Sends a pending scheduled message now: the room drops the scheduled copy when this one arrives. */
  sendScheduledNow(item: ScheduledView): void {
    if (!item.body) return;
    this.enqueue('message', item.body, undefined, item.replyTo, this.scheduledCopies[item.clientMsgId]?.mentions, item.clientMsgId);
  }

  private scheduledKey(): string {
    return `scheduled:${this.channelId}`;
  }

  private async keepScheduledCopy(clientMsgId: string, copy: ScheduledCopy): Promise<void> {
    this.scheduledCopies = { ...this.scheduledCopies, [clientMsgId]: copy };
    await this.db.put('device', this.scheduledKey(), this.scheduledCopies);
  }

  private async forgetScheduledCopy(clientMsgId: string): Promise<void> {
    if (!this.scheduledCopies[clientMsgId]) return;
    const { [clientMsgId]: _gone, ...rest } = this.scheduledCopies;
    this.scheduledCopies = rest;
    await this.db.put('device', this.scheduledKey(), rest);
  }

  /**
   * The room's list of this user's pending scheduled messages: each is read from this device's
   * copy or opened like any envelope (the user's other devices hold the sender key). One the room
   * held because the members changed is sealed again here and sent under the same id.
   */
  private async listScheduled(items: ScheduledOut[]): Promise<void> {
    for (const i of items) this.scheduling.delete(i.clientMsgId);
    const views: ScheduledView[] = [];
    for (const i of items) {
      let body: MessageBody | null = this.scheduledCopies[i.clientMsgId]?.body ?? null;
      if (!body) {
        const opened = await this.engine.open(this.channelId, { sender: this.engine.userId, ciphertext: i.ciphertext, ts: i.createdAt }).catch(() => null);
        body = opened?.ok ? decodeBody(opened.plaintext) : null;
        // Opening spent its message key: the released envelope will be read from this copy.
        if (body) await this.keepScheduledCopy(i.clientMsgId, { body, at: i.at, ...(i.replyTo !== undefined ? { replyTo: i.replyTo } : {}), ...(i.mentions ? { mentions: i.mentions } : {}) });
      }
      views.push({ clientMsgId: i.clientMsgId, at: i.at, body, ...(i.replyTo !== undefined ? { replyTo: i.replyTo } : {}), ...(i.held ? { held: i.held } : {}) });
      if (i.held === 'members_changed' && body) this.enqueue('message', body, undefined, i.replyTo, i.mentions, i.clientMsgId);
    }
    this.scheduledSignal[1](views);
    // A copy whose message was cancelled from another device is never released: forget it a week after its time.
    const listed = new Set(items.map((i) => i.clientMsgId));
    for (const [id, copy] of Object.entries(this.scheduledCopies)) if (!listed.has(id) && !this.scheduling.has(id) && copy.at < Date.now() - 7 * 86_400_000) await this.forgetScheduledCopy(id);
  }

  /** Opens the envelopes that arrived since the last page, as one page, after what came before. */
  private openArrivals(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.arrivalScheduled) return;
    this.arrivalScheduled = true;
    this.incoming = this.incoming.then(async () => {
      this.arrivalScheduled = false;
      // In seq order: a live envelope that came before the replay is drawn after what it missed.
      const page = this.arrived.splice(0).sort((a, b) => a.seq - b.seq);
      await this.receivePage(page);
      for (const env of page) this.processed(env.seq, env.ciphertext.length + FRAME_OVERHEAD_BYTES);
    });
  }

  /** Seals and sends every queued item, in order, once connected and caught up. */
  private async flush(): Promise<void> {
    if (this.flushing || !this.ready()) return;
    this.flushing = true;
    // Items queued while this flush awaits encryption are sent by it too: a second flush() call
    // returns at once while one runs, so without this a quick second message waited for the
    // next reconnect (seen as three fast sends with the last two stuck at "sending…").
    const sent = new Set<OutboxItem>();
    try {
      for (let next = this.outboxSignal[0]().find((i) => !sent.has(i)); next; next = this.outboxSignal[0]().find((i) => !sent.has(i))) {
        const item = next;
        sent.add(item);
        // Queued by a version before message franking (issue #16): sealed again, with a commitment, or the room refuses it.
        if (item.ciphertext && item.franking === undefined && FRANKED_KINDS.has(item.kind)) item.ciphertext = undefined;
        if (!item.ciphertext) {
          try {
            const epoch = this.epoch;
            const { plaintext, franking } = frankedPlaintext(item.kind, item.body);
            item.ciphertext = await this.engine.seal(this.channelId, plaintext, epoch);
            item.epoch = epoch;
            item.franking = franking;
            item.problem = undefined;
          } catch (e) {
            item.problem = e instanceof Error ? e.message : 'could not encrypt';
            this.setOutbox(this.outboxSignal[0]());
            setTimeout(() => void this.flush(), 3000);
            return;
          }
        }
        const ok = this.socket.send({
          type: 'send',
          clientMsgId: item.clientMsgId,
          kind: item.kind,
          ciphertext: item.ciphertext,
          ...(item.franking !== undefined ? { franking: item.franking } : {}),
          ...(item.target !== undefined ? { target: item.target } : {}),
          ...(item.replyTo !== undefined ? { replyTo: item.replyTo } : {}),
          // Routing metadata for unread mention counts; the text itself stays encrypted.
          ...(item.mentions ? { mentions: item.mentions } : {}),
          ...(item.epoch !== undefined ? { epoch: item.epoch } : {}),
        });
        if (!ok) return;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The message list the pane draws: the newest part of `fullView` (the window grows on scrolling back). */
  view(): ViewMessage[] {
    const out = this.fullView();
    const shown = this.windowSignal[0]();
    return out.length > shown ? out.slice(out.length - shown) : out;
  }

  /**
   * The message just above the drawn window: the window's first row is grouped under a name and a
   * day by it, as it will be once older rows are drawn (so drawing them moves nothing on screen).
   */
  beforeWindow(): ViewMessage | undefined {
    const out = this.fullView();
    const shown = this.windowSignal[0]();
    return out.length > shown ? out[out.length - shown - 1] : undefined;
  }

  /** Everyone who wrote a message held here (without building the view). */
  senders(): string[] {
    const out = new Set<string>();
    for (const r of this.recordsSignal[0]().values()) if (r.kind === 'message') out.add(r.sender);
    return [...out];
  }

  /** Pinned messages among everything held here, not only the drawn window. */
  pinned(): ViewMessage[] {
    return this.fullView().filter((m) => m.pinned && !m.deleted);
  }

  /** A thread (issue #15 item 2): its root and the replies to it, in order, among everything held here. */
  thread(root: number): { root: ViewMessage | undefined; replies: ViewMessage[] } {
    const all = this.fullView();
    return { root: all.find((m) => m.seq === root), replies: all.filter((m) => m.replyTo?.seq === root) };
  }

  /** Every thread held here (a message with replies): reply count and the last reply, newest activity first. */
  threads(): ThreadView[] {
    const byRoot = new Map<number, ThreadView>();
    const all = this.fullView();
    // Most conversations hold no reply at all: then there is no map of every message to build.
    const roots = new Set<number>();
    for (const m of all) if (m.replyTo?.seq !== undefined && !m.deleted) roots.add(m.replyTo.seq);
    if (roots.size === 0) return [];
    const bySeq = new Map(all.filter((m) => m.seq !== null && roots.has(m.seq)).map((m) => [m.seq!, m]));
    for (const m of all) {
      const root = m.replyTo?.seq;
      if (root === undefined || m.deleted) continue;
      const rootMessage = bySeq.get(root);
      if (!rootMessage) continue;
      const t = byRoot.get(root) ?? { root: rootMessage, replies: 0, last: m };
      t.replies++;
      t.last = m;
      byRoot.set(root, t);
    }
    return [...byRoot.values()].sort((a, b) => b.last.ts - a.last.ts);
  }

  private recordsVersion = 0;
  private outboxVersion = 0;
  private viewCache: { records: number; outbox: number; view: ViewMessage[] } | undefined;
  private setRecords(map: Map<number, MessageRecord>): void {
    this.recordsVersion++;
    this.recordsSignal[1](map);
  }
  private setOutbox(items: OutboxItem[]): void {
    this.outboxVersion++;
    this.outboxSignal[1](items);
  }

  /**
   * Every message held: originals in seq order with edits and deletions applied, then the outbox.
   * Built once per change of either and shared by its readers (the list, the pinned list, the
   * screen's effects): it walks every held record.
   */
  private fullView(): ViewMessage[] {
    const held = this.recordsSignal[0]();
    const outbox = this.outboxSignal[0]();
    const cached = this.viewCache;
    if (cached && cached.records === this.recordsVersion && cached.outbox === this.outboxVersion) return cached.view;
    const view = this.buildView(held, outbox);
    this.viewCache = { records: this.recordsVersion, outbox: this.outboxVersion, view };
    return view;
  }

  private buildView(held: Map<number, MessageRecord>, outbox: OutboxItem[]): ViewMessage[] {
    const records = [...held.values()].sort((a, b) => a.seq - b.seq);
    const bySeq = new Map<number, ViewMessage>();
    const importedRows = new Map<number, ViewMessage[]>();
    const out: ViewMessage[] = [];
    for (const r of records) {
      if (r.expired) continue;
      if (r.kind === 'message' && r.body?.imported && !r.deleted) {
        // One envelope, many rows: each imported message under its author's name and time.
        const batch = r.body.imported;
        const rows = batch.messages.map(
          (m, i): ViewMessage => ({
            key: `s${r.seq}.${i}`,
            seq: r.seq,
            sender: `imported:${m.author}`,
            ts: m.at,
            text: m.text,
            files: [],
            edited: false,
            deleted: false,
            pending: false,
            lock: r.error ? { kind: 'error', code: r.error } : { kind: 'status', status: r.status ?? 'encrypted-unverified' },
            imported: { author: m.author, by: r.sender, source: batch.source, ...(m.reactions ? { reactions: m.reactions } : {}), ...(m.pinned ? { pinned: true as const } : {}), ...(m.reply ? { reply: m.reply } : {}) },
            reactions: [],
            pinned: false,
          }),
        );
        out.push(...rows);
        importedRows.set(r.seq, rows);
        continue;
      }
      if (r.kind === 'message' || r.kind === 'webhook') {
        const v: ViewMessage = {
          key: `s${r.seq}`,
          seq: r.seq,
          sender: r.sender,
          ts: r.ts,
          text: r.deleted ? null : (r.body?.text ?? null),
          files: r.deleted ? [] : (r.body?.files ?? []),
          ...(r.body?.call && !r.deleted ? { call: r.body.call } : {}),
          ...(r.body?.poll && !r.deleted ? { poll: { ...r.body.poll, closed: false, ballots: {} } } : {}),
          ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
          ...(r.body?.preview && !r.deleted ? { preview: r.body.preview } : {}),
          edited: false,
          deleted: !!r.deleted,
          pending: false,
          lock: r.kind === 'webhook' && r.webhook ? { kind: 'webhook', name: r.webhook.name } : r.error ? { kind: 'error', code: r.error } : { kind: 'status', status: r.status ?? 'encrypted-unverified' },
          ...(r.webhook ? { webhook: r.webhook } : {}),
          ...(r.replyTo !== undefined ? { replyTo: { seq: r.replyTo, sender: r.body?.quote?.sender ?? '', text: r.body?.quote?.text ?? '' } } : {}),
          reactions: [],
          pinned: false,
        };
        bySeq.set(r.seq, v);
        out.push(v);
      } else if (r.target !== undefined) {
        // An imported batch is removed whole (by the importer or a moderator), and takes nothing else.
        const batch = importedRows.get(r.target);
        if (batch && r.kind === 'delete') for (const row of batch) (row.deleted = true), (row.text = null);
        const t = bySeq.get(r.target);
        if (!t) continue;
        if (r.kind === 'reaction' && r.body?.emoji) {
          applyReaction(t, r.sender, r.body.emoji, !!r.body.remove);
          continue;
        }
        if (r.kind === 'reaction' && r.body?.vote) {
          if (t.poll) applyVote(t.poll, r.sender, r.body.vote, r.ts);
          continue;
        }
        if (r.kind === 'pin' || r.kind === 'unpin') {
          t.pinned = r.kind === 'pin';
          continue;
        }
        if (r.kind === 'delete') {
          // The author's or a moderator's: the room relays only deletes it authorized.
          t.deleted = true;
          t.text = null;
          t.files = [];
          delete t.versions;
          continue;
        }
        if (t.sender !== r.sender) continue;
        if (r.kind === 'edit' && r.body?.closePoll && t.poll) {
          t.poll.closed = true;
        } else if (r.kind === 'edit' && !r.error && r.body?.text !== undefined && !t.deleted) {
          addVersion(t, r.body.text, r.ts);
        }
      }
    }
    for (const o of outbox) {
      if (o.kind === 'message') {
        out.push({
          key: o.clientMsgId,
          seq: null,
          sender: this.engine.userId,
          ts: o.ts,
          text: o.body.text ?? '',
          files: o.body.files ?? [],
          ...(o.body.call ? { call: o.body.call } : {}),
          ...(o.body.poll ? { poll: { ...o.body.poll, closed: false, ballots: {} } } : {}),
          ...(o.body.preview ? { preview: o.body.preview } : {}),
          edited: false,
          deleted: false,
          pending: true,
          ...(o.problem ? { problem: o.problem } : {}),
          lock: { kind: 'sending' },
          ...(o.replyTo !== undefined ? { replyTo: { seq: o.replyTo, sender: o.body.quote?.sender ?? '', text: o.body.quote?.text ?? '' } } : {}),
          reactions: [],
          pinned: false,
        });
      } else if (o.target !== undefined) {
        const t = bySeq.get(o.target);
        if (t && o.kind === 'reaction' && o.body.emoji) applyReaction(t, this.engine.userId, o.body.emoji, !!o.body.remove);
        if (t?.poll && o.kind === 'reaction' && o.body.vote) applyVote(t.poll, this.engine.userId, o.body.vote, o.ts);
        if (t?.poll && o.kind === 'edit' && o.body.closePoll) t.poll.closed = true;
        if (t && (o.kind === 'pin' || o.kind === 'unpin')) t.pinned = o.kind === 'pin';
        if (t && o.kind === 'edit' && !o.body.closePoll && !t.deleted) addVersion(t, o.body.text ?? t.text ?? '', o.ts), (t.pending = true);
        if (t && o.kind === 'delete') (t.deleted = true), (t.text = null), (t.pending = true), delete t.versions;
      }
    }
    return out;
  }

  /**
   * What reporting message `seq` discloses (issue #16 item 1): the version on screen (its latest
   * edit, else the message itself) as the exact plaintext this device decrypted, with the franking
   * tags its envelope carried; null when there is nothing readable to disclose. A message from
   * before franking has no exact plaintext kept: its text is disclosed and the report says it
   * cannot be verified.
   */
  disclosure(seq: number): { seq: number; messageSeq: number; plaintext: string; sender: string; ts: number; franking?: string; frankTag?: string } | null {
    const records = this.recordsSignal[0]();
    const message = records.get(seq);
    if (!message || message.deleted || !message.body) return null;
    let shown = message;
    for (const r of records.values()) if (r.kind === 'edit' && r.target === seq && r.sender === message.sender && r.body && !r.error && r.seq > shown.seq) shown = r;
    const plaintext = shown.raw ?? JSON.stringify(shown.body);
    return {
      seq: shown.seq,
      messageSeq: seq,
      plaintext,
      sender: shown.sender,
      ts: shown.ts,
      ...(shown.raw && shown.franking ? { franking: shown.franking } : {}),
      ...(shown.raw && shown.frankTag ? { frankTag: shown.frankTag } : {}),
    };
  }

  /** Who (other than `me`) has read up to `seq`, from the read receipts seen since the conversation opened. */
  readBy(seq: number, me: string): string[] {
    return [...this.readersSignal[0]()].filter(([userId, read]) => userId !== me && read >= seq).map(([userId]) => userId);
  }

  /** The message `seq` as the list shows it, when it is held here (a search result to jump to). */
  message(seq: number): ViewMessage | undefined {
    return this.fullView().find((m) => m.seq === seq);
  }

  /**
   * On opening: widens the first window to the first unread message `seq` when it is among the
   * newest WINDOW held, so the conversation opens on it; further back, the list offers a jump.
   */
  showFirstUnread(seq: number): void {
    if (this.newerThan(seq) <= WINDOW) this.showFrom(seq);
  }

  private newerThan(seq: number): number {
    let newer = 0;
    for (const r of this.recordsSignal[0]().values()) if ((r.kind === 'message' || r.kind === 'webhook') && r.seq >= seq) newer++;
    return newer;
  }

  /** Widens the view so it includes the message `seq` (when it is held here), e.g. to jump to the first unread. */
  showFrom(seq: number): void {
    const newer = this.newerThan(seq);
    if (newer + 5 > this.windowSignal[0]()) this.windowSignal[1](newer + 5);
  }

  /** Number of queued, unacknowledged envelopes. */
  queued(): number {
    return this.outboxSignal[0]().length;
  }
}
