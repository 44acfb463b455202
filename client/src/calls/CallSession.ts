/**
 * One call this device is in (issue #14): a WebRTC mesh with every other device in the channel's
 * call, signalled through the room's call socket inside pairwise Double Ratchet sessions.
 *
 * - The room says who is in the call (`call-roster`); this device keeps one RTCPeerConnection per
 *   other participating device and closes those that left, so no tile outlives its peer.
 * - Offers, answers and ICE candidates are sealed by the Engine for that one device
 *   (client/src/crypto/CallSignal.ts, bound to the channel and the sender's join time). A signal
 *   that does not open, or comes from a device not on its owner's signed list, is dropped and
 *   shown as a warning: there is no plaintext fallback, so a server that rewrites a signal gets a
 *   call that does not connect, never one it sits in the middle of.
 * - Both sides may renegotiate at any time (a camera, a screen) using the "perfect negotiation"
 *   pattern of the WebRTC specification: the device with the larger address is polite.
 * - A dropped socket reconnects and joins again (the room replaces the old socket); a peer whose
 *   connection fails restarts ICE.
 * - What someone may send follows the roster: a participant who is server-muted or lacks SPEAK is
 *   not played, one without VIDEO or SCREEN_SHARE is not shown; a server-muted device stops
 *   sending audio.
 */
import { errorText, refusalText } from '../api/errorText';
import { batch, createSignal, type Accessor } from 'solid-js';
import type { CallMedia, CallParticipant, CallRosterFrame, CallSignalOut } from '../../../protocol/calls';
import type { ServerFrame } from '../../../protocol/frames';
import { RING_MS } from '../../../protocol/hub';
import type { Engine } from '../e2ee/Engine';
import { ReconnectingSocket } from '../ws/ReconnectingSocket';
import { callIceServers } from '../api/calls';
import { bitratePolicy } from './bitrate';
import { t } from '../i18n';
import type { CallNotice } from '../e2ee/MessageBody';
import { preferences } from '../stores/preferences';

/** The microphone with the browser's echo cancellation and noise suppression, on the device picked for calls. */
const microphone = (): MediaTrackConstraints => ({
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  ...(preferences().microphoneId ? { deviceId: { exact: preferences().microphoneId } } : {}),
});
const camera = (): MediaTrackConstraints => ({ width: { ideal: 1280 }, height: { ideal: 720 }, ...(preferences().cameraId ? { deviceId: { exact: preferences().cameraId } } : {}) });

/** getUserMedia, falling back to the default device when the one picked is gone (unplugged). */
async function userMedia(constraints: { audio: MediaTrackConstraints | false; video: MediaTrackConstraints | false }): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'OverconstrainedError')) throw e;
    const loose = (c: MediaTrackConstraints | false) => (c ? { ...c, deviceId: undefined } : false);
    return navigator.mediaDevices.getUserMedia({ audio: loose(constraints.audio), video: loose(constraints.video) });
  }
}

/** How often each peer's statistics are read (speaking, traffic), ms. */
const STATS_MS = 1000;
/** A 1:1 call nobody answers ends after this, as the callee's devices stop ringing. */
export const UNANSWERED_MS = RING_MS;
/**
 * ICE candidates are sent in batches gathered over this long: each signal is a sealed pairwise
 * message (a ratchet step and a store write on both sides), and a browser gathers a dozen
 * candidates within a few milliseconds. One signal per candidate made a 4-person join take
 * seconds here (bench/README.md).
 */
const CANDIDATE_BATCH_MS = 40;
/** An inbound audio level above this (0–1) counts as speaking. */
const SPEAKING_LEVEL = 0.02;

export type CallState = 'joining' | 'joined' | 'full' | 'refused' | 'declined' | 'unanswered' | 'disconnected' | 'left';

/** One remote device in the call, as the view shows it. */
export interface Tile {
  key: string;
  userId: string;
  deviceId: string;
  camera: MediaStream | null;
  screen: MediaStream | null;
  media: CallMedia;
  /** Played and shown only as far as the roster allows. */
  audible: boolean;
  showVideo: boolean;
  showScreen: boolean;
  speaking: boolean;
  connection: RTCPeerConnectionState;
  /** Inbound traffic so far: audio bytes, video bytes and frames decoded (for the connection view). */
  audioBytes: number;
  videoBytes: number;
  videoFrames: number;
}

interface Signal {
  description?: RTCSessionDescriptionInit;
  /** ICE candidates gathered within CANDIDATE_BATCH_MS of each other, in one signal; null ends the gathering. */
  candidates?: (RTCIceCandidateInit | null)[];
  /** Which of the sender's stream ids is its screen (the rest is its camera). */
  screen?: string | null;
}

interface Peer {
  key: string;
  /** The participant's join time this connection was made for: a rejoin (a reload) gets a new one. */
  joinedAt: number;
  userId: string;
  deviceId: string;
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  /** Signals are handled one after another, in the order they arrived. */
  queue: Promise<void>;
  /** Signals to this peer are sealed and sent one after another, in order. */
  outbox: Promise<void>;
  screenStreamId: string | null;
  streams: Map<string, MediaStream>;
  senders: Map<string, RTCRtpSender>;
}

const addressOf = (userId: string, deviceId: string) => `${userId}.${deviceId}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class CallSession {
  private socket: ReconnectingSocket | null = null;
  private readonly peers = new Map<string, Peer>();
  private readonly me: string;
  private iceServers: RTCIceServer[] = [];
  private local: MediaStream | null = null;
  private screenStream: MediaStream | null = null;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private roster: CallParticipant[] = [];
  /** When someone else was first in the call with this device (for the "call ended" notice). */
  private othersSince: number | null = null;
  private joinedOnce = false;
  private unanswered: ReturnType<typeof setTimeout> | undefined;
  /** This device's join time in the roster: a new one means it joined again. */
  private myJoinedAt: number | null = null;

  private readonly stateSignal = createSignal<CallState>('joining');
  readonly state: Accessor<CallState> = this.stateSignal[0];
  private readonly tilesSignal = createSignal<Tile[]>([]);
  readonly tiles: Accessor<Tile[]> = this.tilesSignal[0];
  private readonly participantsSignal = createSignal<CallParticipant[]>([]);
  readonly participants: Accessor<CallParticipant[]> = this.participantsSignal[0];
  private readonly mediaSignal = createSignal<CallMedia>({ muted: false, deafened: false, video: false, screen: false });
  readonly media: Accessor<CallMedia> = this.mediaSignal[0];
  private readonly warningSignal = createSignal<string | null>(null);
  /** A signal was dropped (it did not decrypt or verify), or media could not start. */
  readonly warning: Accessor<string | null> = this.warningSignal[0];
  private readonly localSignal = createSignal<MediaStream | null>(null);
  readonly localStream: Accessor<MediaStream | null> = this.localSignal[0];
  private readonly speakingSignal = createSignal(false);
  readonly speaking: Accessor<boolean> = this.speakingSignal[0];
  private readonly declinedSignal = createSignal<{ userId: string; reason: 'declined' | 'busy' } | null>(null);
  /** The last person who declined this call (or was busy), for the view. */
  readonly declined = this.declinedSignal[0];
  private readonly serverMutedSignal = createSignal(false);
  readonly serverMuted: Accessor<boolean> = this.serverMutedSignal[0];

  constructor(
    private readonly engine: Engine,
    readonly channelId: string,
    /** Test and operator option: relay every packet through TURN (`iceTransportPolicy: "relay"`). */
    private readonly options: {
      relayOnly?: boolean;
      video?: boolean;
      endWhenDeclined?: boolean;
      /** Called once when this device was the last in the call as it ended (a DM posts "missed" or "ended"). */
      onNotice?: (notice: CallNotice) => void;
    } = {},
  ) {
    this.me = addressOf(engine.userId, engine.deviceId);
    this.mediaSignal[1]((m) => ({ ...m, video: !!options.video }));
  }

  /** Starts the microphone (and the camera when asked), fetches the ICE servers, and joins. */
  async start(): Promise<void> {
    try {
      const ice = await callIceServers(this.channelId);
      this.iceServers = ice.iceServers;
    } catch (e) {
      this.warningSignal[1](errorText(e));
      return this.end('refused');
    }
    try {
      this.local = await userMedia({ audio: microphone(), video: this.media().video ? camera() : false });
    } catch (e) {
      // No microphone or no permission: join to listen and watch, and say so.
      this.warningSignal[1](t('Your microphone or camera could not start ({error}); you can still listen.', { error: e instanceof Error ? e.message : String(e) }));
      this.local = new MediaStream();
      this.mediaSignal[1]((m) => ({ ...m, muted: true, video: false }));
    }
    // The camera was switched on while the microphone was starting.
    if (this.media().video && this.local.getVideoTracks().length === 0) await this.setCamera(true);
    this.localSignal[1](this.local);
    if (this.state() !== 'joining') return; // left while the devices started
    // Joins on every (re)connect: the room replaces this device's previous socket, if any.
    this.socket = new ReconnectingSocket(`/ws/channels/${encodeURIComponent(this.channelId)}?call=${encodeURIComponent(this.engine.deviceId)}`, {
      open: () => this.socket?.send({ type: 'call-join', media: this.media() }),
      frame: (f) => this.onFrame(f as ServerFrame),
      stopped: (code) => this.end(code === 4011 ? 'left' : 'disconnected'),
    });
    this.statsTimer = setInterval(() => void this.readStats(), STATS_MS);
    if (this.options.endWhenDeclined) {
      this.unanswered = setTimeout(() => {
        if (this.othersSince === null && ['joining', 'joined'].includes(this.state())) this.leave('unanswered');
      }, UNANSWERED_MS);
    }
  }

  /** Leaves the call: closes every peer, stops the devices and the socket. */
  leave(state: CallState = 'left'): void {
    if (this.state() !== 'left') this.socket?.send({ type: 'call-leave' });
    this.end(state);
  }

  private end(state: CallState): void {
    clearTimeout(this.unanswered);
    if (['joining', 'joined'].includes(this.state()) && (state === 'left' || state === 'declined' || state === 'unanswered') && this.joinedOnce) {
      const others = this.roster.filter((p) => addressOf(p.userId, p.deviceId) !== this.me).length;
      if (others === 0) this.options.onNotice?.(this.othersSince === null ? { event: 'missed' } : { event: 'ended', durationMs: Date.now() - this.othersSince });
    }
    clearInterval(this.statsTimer);
    for (const p of this.peers.values()) p.pc.close();
    this.peers.clear();
    this.inbound.clear();
    for (const t of [...(this.local?.getTracks() ?? []), ...(this.screenStream?.getTracks() ?? [])]) t.stop();
    this.socket?.close();
    batch(() => {
      this.tilesSignal[1]([]);
      this.localSignal[1](null);
      this.stateSignal[1](state);
    });
  }

  // ── What this device sends ───────────────────────────────────────────────────────────────

  setMuted(muted: boolean): void {
    const forced = this.serverMuted();
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !muted && !forced;
    this.announce({ muted });
  }

  /** Deafened: nothing is played, and this device is muted too (as in every chat app). */
  setDeafened(deafened: boolean): void {
    this.announce({ deafened, ...(deafened ? { muted: true } : {}) });
    if (deafened) this.setMuted(true);
    this.refreshTiles();
  }

  async setCamera(on: boolean): Promise<void> {
    if (!this.local) {
      // The devices are still starting: they start with the camera as asked now.
      this.mediaSignal[1]((m) => ({ ...m, video: on }));
      return;
    }
    if (on && this.local.getVideoTracks().length === 0) {
      try {
        const cam = await userMedia({ audio: false, video: camera() });
        const track = cam.getVideoTracks()[0]!;
        this.local.addTrack(track);
        for (const p of this.peers.values()) this.addTrack(p, track, this.local);
      } catch (e) {
        this.warningSignal[1](t('The camera could not start ({error}).', { error: e instanceof Error ? e.message : String(e) }));
        return;
      }
    }
    for (const t of this.local.getVideoTracks()) t.enabled = on;
    this.localSignal[1](null);
    this.localSignal[1](this.local);
    this.announce({ video: on });
  }

  /**
   * Switches to the microphone or camera picked now (preferences), replacing the track every peer
   * receives without renegotiating. Nothing happens for a camera that is off.
   */
  async switchDevice(kind: 'audio' | 'video'): Promise<void> {
    const old = kind === 'audio' ? this.local?.getAudioTracks()[0] : this.local?.getVideoTracks()[0];
    if (!this.local || !old) return;
    let track: MediaStreamTrack;
    try {
      track = (await userMedia(kind === 'audio' ? { audio: microphone(), video: false } : { audio: false, video: camera() })).getTracks()[0]!;
    } catch (e) {
      this.warningSignal[1](t('The camera could not start ({error}).', { error: e instanceof Error ? e.message : String(e) }));
      return;
    }
    track.enabled = old.enabled;
    for (const p of this.peers.values()) {
      const sender = p.senders.get(old.id);
      if (!sender) continue;
      await sender.replaceTrack(track);
      p.senders.delete(old.id);
      p.senders.set(track.id, sender);
    }
    this.local.removeTrack(old);
    old.stop();
    this.local.addTrack(track);
    this.localSignal[1](null);
    this.localSignal[1](this.local);
  }

  /** The label of the microphone or camera in use (for the device picker). */
  deviceInUse(kind: 'audio' | 'video'): string | undefined {
    const track = kind === 'audio' ? this.local?.getAudioTracks()[0] : this.local?.getVideoTracks()[0];
    return track?.getSettings().deviceId;
  }

  /** Shares a screen (with its audio where the browser offers it) as a second video, or stops. */
  async shareScreen(on: boolean): Promise<void> {
    if (on && !this.screenStream) {
      try {
        this.screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
      } catch {
        return; // the person cancelled the picker
      }
      const stream = this.screenStream;
      for (const track of stream.getTracks()) {
        track.onended = () => void this.shareScreen(false);
        for (const p of this.peers.values()) this.addTrack(p, track, stream);
      }
      this.announce({ screen: true });
    } else if (!on && this.screenStream) {
      const stream = this.screenStream;
      this.screenStream = null;
      for (const p of this.peers.values()) {
        for (const track of stream.getTracks()) {
          const sender = p.senders.get(track.id);
          if (sender) p.pc.removeTrack(sender);
          p.senders.delete(track.id);
        }
      }
      for (const t of stream.getTracks()) t.stop();
      this.announce({ screen: false });
    }
  }

  private announce(change: Partial<CallMedia>): void {
    this.mediaSignal[1]((m) => ({ ...m, ...change }));
    this.socket?.send({ type: 'call-media', media: this.media() });
  }

  /** A moderator action (MUTE_MEMBERS): server-mute, unmute or disconnect `userId`. */
  moderate(userId: string, action: 'mute' | 'unmute' | 'disconnect'): void {
    this.socket?.send({ type: 'call-moderate', userId, action });
  }

  // ── The room ─────────────────────────────────────────────────────────────────────────────

  private onFrame(f: ServerFrame): void {
    if (f.type === 'call-roster') return this.onRoster(f);
    if (f.type === 'call-signal') return this.onSignal(f);
    if (f.type === 'call-declined') {
      this.declinedSignal[1]({ userId: f.userId, reason: f.reason });
      // A 1:1 call the other side declined is over; in a group the others may still come.
      if (this.options.endWhenDeclined && this.roster.length <= 1) this.leave('declined');
      return;
    }
    if (f.type === 'error') {
      if (f.error.code === 'call_full') {
        this.warningSignal[1](refusalText(f.error.code, f.error.message));
        return this.end('full');
      }
      if (f.error.code === 'forbidden' && this.state() === 'joining') {
        this.warningSignal[1](refusalText(f.error.code, f.error.message));
        return this.end('refused');
      }
      console.warn('call:', f.error.code, f.error.message);
    }
  }

  private onRoster(f: CallRosterFrame): void {
    this.roster = f.participants;
    this.participantsSignal[1](f.participants);
    const mine = f.participants.find((p) => addressOf(p.userId, p.deviceId) === this.me);
    if (!mine) {
      // Not (or no longer) in it: joining, or the socket is rejoining. Peers stay until it is clear they left.
      if (this.state() === 'joined') this.stateSignal[1]('joining');
      return;
    }
    this.stateSignal[1]('joined');
    this.joinedOnce = true;
    if (this.myJoinedAt !== null && mine.joinedAt !== this.myJoinedAt) {
      // This device joined again (its socket dropped and came back): the others dropped every
      // connection to the old one and make new ones, so start over here too.
      for (const peer of this.peers.values()) peer.pc.close();
      this.peers.clear();
    }
    this.myJoinedAt = mine.joinedAt;
    if (this.othersSince === null && f.participants.length > 1) this.othersSince = Date.now();
    const forced = mine.serverMuted || !mine.may.speak;
    if (forced !== this.serverMuted()) {
      this.serverMutedSignal[1](forced);
      for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !forced && !this.media().muted;
    }
    const present = new Set<string>();
    for (const p of f.participants) {
      const key = addressOf(p.userId, p.deviceId);
      if (key === this.me) continue;
      present.add(key);
      const peer = this.peers.get(key);
      if (peer && peer.joinedAt !== p.joinedAt) {
        // The same device joined again (it reloaded): its old connection is gone with its page.
        peer.pc.close();
        this.peers.delete(key);
      }
      if (!this.peers.has(key)) this.connectTo(p);
    }
    for (const [key, peer] of this.peers) {
      if (present.has(key)) continue;
      peer.pc.close();
      this.peers.delete(key);
    }
    this.applyBitrate();
    this.refreshTiles();
  }

  private connectTo(p: CallParticipant): void {
    const key = addressOf(p.userId, p.deviceId);
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, ...(this.options.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}) });
    const peer: Peer = { key, joinedAt: p.joinedAt, userId: p.userId, deviceId: p.deviceId, pc, polite: this.me > key, makingOffer: false, ignoreOffer: false, queue: Promise.resolve(), outbox: Promise.resolve(), screenStreamId: null, streams: new Map(), senders: new Map() };
    this.peers.set(key, peer);
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        await this.send(peer, { description: pc.localDescription!.toJSON(), screen: this.screenStream?.id ?? null });
      } catch (e) {
        console.warn('call: negotiation failed', e);
      } finally {
        peer.makingOffer = false;
      }
    };
    let batch: (RTCIceCandidateInit | null)[] = [];
    let batchTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      clearTimeout(batchTimer);
      batchTimer = undefined;
      if (batch.length === 0) return;
      const candidates = batch;
      batch = [];
      void this.send(peer, { candidates }).catch(() => undefined);
    };
    pc.onicecandidate = ({ candidate }) => {
      batch.push(candidate ? candidate.toJSON() : null);
      if (!candidate) return flush(); // gathering is complete: send what is left now
      batchTimer ??= setTimeout(flush, CANDIDATE_BATCH_MS);
    };
    pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      peer.streams.set(stream.id, stream);
      stream.onremovetrack = () => {
        if (stream.getTracks().length === 0) peer.streams.delete(stream.id);
        this.refreshTiles();
      };
      this.refreshTiles();
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') pc.restartIce();
      this.refreshTiles();
    };
    for (const track of this.local?.getTracks() ?? []) this.addTrack(peer, track, this.local!);
    for (const track of this.screenStream?.getTracks() ?? []) this.addTrack(peer, track, this.screenStream!);
  }

  private addTrack(peer: Peer, track: MediaStreamTrack, stream: MediaStream): void {
    if (peer.senders.has(track.id) || peer.pc.signalingState === 'closed') return;
    peer.senders.set(track.id, peer.pc.addTrack(track, stream));
  }

  /** Seals `signal` for the peer's device and sends it through the room. */
  private send(peer: Peer, signal: Signal): Promise<void> {
    // One after another per peer: sealing the first signal to a new device waits for its device
    // list and a session, and a candidate must not overtake the offer it belongs to.
    const sent = peer.outbox.then(() => this.sealAndSend(peer, signal));
    peer.outbox = sent.catch((e) => console.warn('call: signal not sent', e));
    return sent;
  }

  private async sealAndSend(peer: Peer, signal: Signal): Promise<void> {
    const callId = this.roster.find((p) => addressOf(p.userId, p.deviceId) === this.me)?.joinedAt;
    if (callId === undefined) return;
    const payload = encoder.encode(JSON.stringify(signal));
    const ciphertext = await this.engine.sealCallSignal({ userId: peer.userId, deviceId: peer.deviceId }, { channelId: this.channelId, callId, payload });
    this.socket?.send({ type: 'call-signal', to: { userId: peer.userId, deviceId: peer.deviceId }, ciphertext });
  }

  /** Signals from each device are opened in the order they arrived (opening the first one may wait for the sender's device list). */
  private readonly inbound = new Map<string, Promise<void>>();

  private onSignal(f: CallSignalOut): void {
    const key = addressOf(f.from.userId, f.from.deviceId);
    this.inbound.set(key, (this.inbound.get(key) ?? Promise.resolve()).then(() => this.openSignal(f)).catch((e) => console.warn('call: signal not handled', e)));
  }

  private async openSignal(f: CallSignalOut): Promise<void> {
    const key = addressOf(f.from.userId, f.from.deviceId);
    let signal: Signal;
    try {
      const opened = await this.engine.openCallSignal(f.from, f.ciphertext);
      const sender = this.roster.find((p) => addressOf(p.userId, p.deviceId) === key);
      // Bound to this channel and to the sender's current presence in its call: a signal replayed
      // from another call, or from before the sender rejoined, is not this call's.
      if (opened.channelId !== this.channelId || !sender || opened.callId !== sender.joinedAt) throw new Error('the signal belongs to another call');
      signal = JSON.parse(decoder.decode(opened.payload)) as Signal;
    } catch (e) {
      console.warn('call: signal dropped', e);
      this.warningSignal[1](t('A call signal could not be decrypted or verified and was dropped. The connection to that person may not work.'));
      return;
    }
    const peer = this.peers.get(key);
    if (!peer) return;
    peer.queue = peer.queue.then(() => this.handle(peer, signal)).catch((e) => console.warn('call: signal not applied', e));
  }

  /** The perfect-negotiation receiver (WebRTC 1.0 §10.7). */
  private async handle(peer: Peer, signal: Signal): Promise<void> {
    const { pc } = peer;
    if (signal.screen !== undefined) peer.screenStreamId = signal.screen;
    if (signal.description) {
      const collision = signal.description.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return;
      await pc.setRemoteDescription(signal.description);
      if (signal.description.type === 'offer') {
        await pc.setLocalDescription();
        await this.send(peer, { description: pc.localDescription!.toJSON(), screen: this.screenStream?.id ?? null });
      }
      this.refreshTiles();
    } else if (signal.candidates) {
      for (const candidate of signal.candidates) {
        try {
          await pc.addIceCandidate(candidate ?? undefined);
        } catch (e) {
          if (!peer.ignoreOffer) throw e;
        }
      }
    }
  }

  // ── What the view shows ──────────────────────────────────────────────────────────────────

  private readonly levels = new Map<string, { speaking: boolean; audioBytes: number; videoBytes: number; videoFrames: number }>();

  private refreshTiles(): void {
    const deafened = this.media().deafened;
    const tiles: Tile[] = [];
    for (const peer of this.peers.values()) {
      const p = this.roster.find((r) => addressOf(r.userId, r.deviceId) === peer.key);
      if (!p) continue;
      let camera: MediaStream | null = null;
      let screen: MediaStream | null = null;
      for (const [id, stream] of peer.streams) {
        if (id === peer.screenStreamId) screen = stream;
        else camera = stream;
      }
      const l = this.levels.get(peer.key);
      tiles.push({
        key: peer.key,
        userId: peer.userId,
        deviceId: peer.deviceId,
        camera,
        screen,
        media: p.media,
        audible: !deafened && !p.serverMuted && p.may.speak,
        showVideo: p.media.video && p.may.video,
        showScreen: p.media.screen && p.may.screen,
        speaking: !!l?.speaking && !p.media.muted,
        connection: peer.pc.connectionState,
        audioBytes: l?.audioBytes ?? 0,
        videoBytes: l?.videoBytes ?? 0,
        videoFrames: l?.videoFrames ?? 0,
      });
    }
    this.tilesSignal[1](tiles);
  }

  /** Each peer's (and the microphone's, under '') cumulative audio energy and duration at the last reading. */
  private readonly energy = new Map<string, { energy: number; seconds: number }>();

  /**
   * The audio level over the time since the last reading (0–1, root mean square), from the
   * cumulative `totalAudioEnergy` and `totalSamplesDuration` of a stats entry; its instantaneous
   * `audioLevel` when those are missing. The instantaneous level alone misses a voice (or the fake
   * microphone's beep) that falls between two readings a second apart.
   */
  private levelSince(key: string, s: { audioLevel?: number; totalAudioEnergy?: number; totalSamplesDuration?: number }): number {
    if (s.totalAudioEnergy === undefined || s.totalSamplesDuration === undefined) return s.audioLevel ?? 0;
    const before = this.energy.get(key);
    this.energy.set(key, { energy: s.totalAudioEnergy, seconds: s.totalSamplesDuration });
    if (!before || s.totalSamplesDuration <= before.seconds) return s.audioLevel ?? 0;
    return Math.sqrt(Math.max(0, s.totalAudioEnergy - before.energy) / (s.totalSamplesDuration - before.seconds));
  }

  /** Reads each peer's inbound statistics: speaking (audio level) and traffic, for the tiles. */
  private async readStats(): Promise<void> {
    let localLevel = 0;
    type Stat = { type: string; kind?: string; bytesReceived?: number; framesDecoded?: number; audioLevel?: number; totalAudioEnergy?: number; totalSamplesDuration?: number };
    for (const peer of this.peers.values()) {
      let audioBytes = 0;
      let videoBytes = 0;
      let videoFrames = 0;
      let level = 0;
      const report = await peer.pc.getStats().catch(() => null);
      report?.forEach((s: Stat) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') (audioBytes += s.bytesReceived ?? 0), (level = Math.max(level, this.levelSince(peer.key, s)));
        if (s.type === 'inbound-rtp' && s.kind === 'video') (videoFrames += s.framesDecoded ?? 0), (videoBytes += s.bytesReceived ?? 0);
        // The microphone, as each peer connection's sender sees it.
        if (s.type === 'media-source' && s.kind === 'audio') localLevel = Math.max(localLevel, this.levelSince(`local:${peer.key}`, s));
      });
      this.levels.set(peer.key, { speaking: level > SPEAKING_LEVEL, audioBytes, videoBytes, videoFrames });
    }
    for (const key of this.energy.keys()) if (!this.peers.has(key.replace(/^local:/, ''))) this.energy.delete(key);
    this.speakingSignal[1](localLevel > SPEAKING_LEVEL && !this.media().muted && !this.serverMuted());
    this.applyBitrate();
    this.refreshTiles();
  }

  /** Caps what each outgoing video sends by the number of peers (bitrate.ts). */
  private applyBitrate(): void {
    const policy = bitratePolicy(this.peers.size + 1);
    for (const peer of this.peers.values()) {
      for (const sender of peer.pc.getSenders()) {
        if (sender.track?.kind !== 'video') continue;
        const screen = this.screenStream?.getVideoTracks().some((t) => t === sender.track) ?? false;
        const params = sender.getParameters();
        if (!params.encodings?.length) continue;
        const max = screen ? policy.screenBitrate : policy.cameraBitrate;
        if (params.encodings[0]!.maxBitrate === max) continue;
        params.encodings[0]!.maxBitrate = max;
        if (!screen) params.encodings[0]!.scaleResolutionDownBy = policy.cameraScaleDown;
        void sender.setParameters(params).catch(() => undefined);
      }
    }
  }
}
