/**
 * The call view (issue #14 item 4): a grid of tiles — yours, each other device's camera, and each
 * shared screen as its own tile — that lays out 1–25 tiles (the speaker, or a tile you focus,
 * drawn larger once there are more than four), and the controls: mute, deafen, camera, screen,
 * leave. Each remote tile plays its audio unless the roster says not to (deafened, server-muted,
 * no SPEAK), has its own volume, and shows speaking from the measured audio level.
 * `data-audio-bytes`, `data-video-bytes` and `data-video-frames` carry what the connection has received, for the
 * connection details and the browser tests.
 */
import { createEffect, createResource, createSignal, For, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { msg, t } from '../i18n';
import { Icon } from './Icon';
import { CALL_BACKGROUNDS, customBackground, preferences, setCustomBackground, setPreference, type CallBackground } from '../stores/preferences';
import type { CallSession, Tile } from '../calls/CallSession';

export function CallView(props: { call: CallSession; title: string; nameOf: (userId: string) => string; canModerate: (userId: string) => boolean }) {
  const [focused, setFocused] = createSignal<string | null>(null);
  const [volumes, setVolumes] = createSignal(new Map<string, number>());
  const call = () => props.call;
  // Tiles are reconciled by device: the call refreshes them every second (statistics), and a
  // tile redrawn from scratch would make a new <video> each time that never gets to play.
  const [tiles, setTiles] = createStore<Tile[]>([]);
  createEffect(() => setTiles(reconcile(call().tiles(), { key: 'key', merge: false })));
  const count = () => tiles.length + 1 + tiles.filter((x) => x.showScreen && x.screen).length;
  const featured = () => focused() ?? (count() > 4 ? (tiles.find((x) => x.speaking)?.key ?? null) : null);
  const columns = () => Math.ceil(Math.sqrt(count()));
  const volumeOf = (key: string) => volumes().get(key) ?? 1;

  return (
    <section
      class="call"
      aria-label={t('Call in {title}', { title: props.title })}
      data-testid="call-view"
      data-state={call().state()}
      data-background={preferences().callBackground}
      style={preferences().callBackground === 'custom' && customBackground() ? { 'background-image': `url("${customBackground()}")` } : undefined}
    >
      <header class="call-header">
        <h2>{t('Call in {title}', { title: props.title })}</h2>
        <span class="muted" role="status">
          {call().state() === 'joined' ? t('{count} in the call', { count: call().participants().length }) : call().state() === 'joining' ? t('Joining…') : ''}
        </span>
      </header>
      <Show when={call().warning()}>
        <p class="banner banner-warn" role="alert" data-testid="call-warning">
          {call().warning()}
        </p>
      </Show>
      <Show when={call().serverMuted()}>
        <p class="banner banner-warn" role="status">
          {t('A moderator muted you in this call.')}
        </p>
      </Show>
      <ul class="call-grid" style={{ '--columns': String(columns()) }} data-count={count()}>
        <li class="call-tile own" classList={{ speaking: call().speaking() }} data-testid="call-tile-own">
          <Show when={call().media().video} fallback={<div class="call-avatar" aria-hidden="true">{initials(t('You'))}</div>}>
            <StreamVideo stream={call().localStream()} label={t('Your camera')} />
          </Show>
          <span class="call-name">
            {t('You')}
            <Show when={call().media().muted}>
              {' '}
              <Icon name="muted" />
              <span class="visually-hidden">{t('(muted)')}</span>
            </Show>
          </span>
        </li>
        <For each={tiles}>
          {(tile) => (
            <>
              <li
                class="call-tile"
                classList={{ speaking: tile.speaking, featured: featured() === tile.key }}
                data-testid="call-tile"
                data-user={tile.userId}
                data-connection={tile.connection}
                data-audio-bytes={tile.audioBytes}
                data-video-bytes={tile.videoBytes}
                data-video-frames={tile.videoFrames}
                data-audible={String(tile.audible)}
              >
                <button type="button" class="call-focus" aria-pressed={focused() === tile.key} aria-label={t('Focus {name}', { name: props.nameOf(tile.userId) })} onClick={() => setFocused(focused() === tile.key ? null : tile.key)}>
                  <Show when={tile.showVideo && tile.camera} fallback={<div class="call-avatar" aria-hidden="true">{initials(props.nameOf(tile.userId))}</div>}>
                    <StreamVideo stream={tile.camera} />
                  </Show>
                </button>
                <RemoteAudio stream={tile.camera} playing={tile.audible} volume={volumeOf(tile.key)} />
                <span class="call-name">
                  {props.nameOf(tile.userId)}
                  <Show when={tile.media.muted || !tile.audible}>
                    {' '}
                    <Icon name="muted" />
                    <span class="visually-hidden">{t('(muted)')}</span>
                  </Show>{' '}
                  {tile.connection === 'connecting' || tile.connection === 'new' ? t('(connecting…)') : ''}
                </span>
                <label class="call-volume">
                  <span class="visually-hidden">{t('Volume of {name}', { name: props.nameOf(tile.userId) })}</span>
                  <input type="range" min="0" max="1" step="0.05" value={volumeOf(tile.key)} onInput={(e) => setVolumes(new Map(volumes()).set(tile.key, Number(e.currentTarget.value)))} />
                </label>
                <Show when={props.canModerate(tile.userId)}>
                  <div class="call-moderation" role="group" aria-label={t('Moderate {name}', { name: props.nameOf(tile.userId) })}>
                    <button type="button" class="small" onClick={() => call().moderate(tile.userId, call().participants().find((p) => p.userId === tile.userId)?.serverMuted ? 'unmute' : 'mute')}>
                      {call().participants().find((p) => p.userId === tile.userId)?.serverMuted ? t('Unmute for everyone') : t('Mute for everyone')}
                    </button>
                    <button type="button" class="small danger" onClick={() => call().moderate(tile.userId, 'disconnect')}>
                      {t('Disconnect')}
                    </button>
                  </div>
                </Show>
              </li>
              <Show when={tile.showScreen && tile.screen}>
                <ScreenTile tile={tile} name={props.nameOf(tile.userId)} featured={featured() === `${tile.key}:screen`} onFocus={() => setFocused(focused() === `${tile.key}:screen` ? null : `${tile.key}:screen`)} />
              </Show>
            </>
          )}
        </For>
      </ul>
      <div class="call-controls" role="toolbar" aria-label={t('Call controls')}>
        <button type="button" aria-pressed={call().media().muted} disabled={call().serverMuted()} onClick={() => call().setMuted(!call().media().muted)}>
          {call().media().muted ? t('Unmute') : t('Mute')}
        </button>
        <button type="button" aria-pressed={call().media().deafened} onClick={() => call().setDeafened(!call().media().deafened)}>
          {call().media().deafened ? t('Undeafen') : t('Deafen')}
        </button>
        <button type="button" aria-pressed={call().media().video} onClick={() => void call().setCamera(!call().media().video)}>
          {call().media().video ? t('Camera off') : t('Camera on')}
        </button>
        <Show when={'getDisplayMedia' in (navigator.mediaDevices ?? {})}>
          <button type="button" aria-pressed={call().media().screen} onClick={() => void call().shareScreen(!call().media().screen)}>
            {call().media().screen ? t('Stop sharing') : t('Share screen')}
          </button>
        </Show>
        <button type="button" class="danger" onClick={() => call().leave()}>
          {t('Leave call')}
        </button>
      </div>
      <CallSettings call={call()} />
    </section>
  );
}

const BACKGROUND_NAMES: Record<CallBackground, string> = {
  none: msg('None'),
  dusk: msg('Dusk'),
  forest: msg('Forest'),
  ocean: msg('Ocean'),
  sunrise: msg('Sunrise'),
  slate: msg('Slate'),
  aurora: msg('Aurora'),
  custom: msg('Your picture'),
};

/**
 * The devices a call uses on this device (microphone, camera, speaker) and the call view's
 * background, remembered per device (preferences). A device picked here is used at once.
 */
function CallSettings(props: { call: CallSession }) {
  const [devices, { refetch }] = createResource(() => props.call.localStream(), () => navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]));
  const of = (kind: MediaDeviceKind) => (devices() ?? []).filter((d) => d.kind === kind && d.deviceId);
  const pick = async (key: 'microphoneId' | 'cameraId' | 'speakerId', id: string) => {
    setPreference(key, id);
    if (key !== 'speakerId') await props.call.switchDevice(key === 'microphoneId' ? 'audio' : 'video');
    void refetch();
  };
  const [pictureError, setPictureError] = createSignal<string | null>(null);
  const choosePicture = async (file: File | undefined) => {
    if (!file) return;
    try {
      setCustomBackground(await backgroundFrom(file));
      setPictureError(null);
    } catch (e) {
      setPictureError(t('That picture could not be used ({error}).', { error: e instanceof Error ? e.message : String(e) }));
    }
  };
  /** One device picker: the system default, then every device of `kind` the browser lists. */
  const deviceSelect = (name: string, key: 'microphoneId' | 'cameraId' | 'speakerId', kind: MediaDeviceKind, label: string) => (
    <label>
      {label}
      <select name={name} value={preferences()[key]} onChange={(e) => void pick(key, e.currentTarget.value)}>
        <option value="">{t('System default')}</option>
        <For each={of(kind)}>{(d) => <option value={d.deviceId}>{d.label || d.deviceId}</option>}</For>
      </select>
    </label>
  );
  return (
    <details class="call-settings">
      <summary>{t('Devices and background')}</summary>
      {deviceSelect('microphone', 'microphoneId', 'audioinput', t('Microphone'))}
      {deviceSelect('camera', 'cameraId', 'videoinput', t('Camera'))}
      <Show when={'setSinkId' in HTMLMediaElement.prototype}>{deviceSelect('speaker', 'speakerId', 'audiooutput', t('Speaker'))}</Show>
      <fieldset class="choice">
        <legend>{t('Background')}</legend>
        <For each={[...CALL_BACKGROUNDS, ...(customBackground() ? (['custom'] as const) : [])]}>
          {(b) => (
            <label class="check">
              <input type="radio" name="callBackground" checked={preferences().callBackground === b} onChange={() => setPreference('callBackground', b)} /> {t(BACKGROUND_NAMES[b])}
            </label>
          )}
        </For>
        <label class="check">
          {t('Use a picture…')}
          <input type="file" accept="image/*" name="callBackgroundPicture" onChange={(e) => void choosePicture(e.currentTarget.files?.[0])} />
        </label>
        <Show when={pictureError()}>
          <p class="error" role="alert">
            {pictureError()}
          </p>
        </Show>
      </fieldset>
    </details>
  );
}

/** A picture made fit for a background: at most 1920×1080, re-encoded as JPEG (which also drops its metadata). */
async function backgroundFrom(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1920 / bitmap.width, 1080 / bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL('image/jpeg', 0.85);
}

function ScreenTile(props: { tile: Tile; name: string; featured: boolean; onFocus: () => void }) {
  return (
    <li class="call-tile screen" classList={{ featured: props.featured }} data-testid="call-screen" data-user={props.tile.userId}>
      <button type="button" class="call-focus" aria-pressed={props.featured} aria-label={t('Focus the screen of {name}', { name: props.name })} onClick={() => props.onFocus()}>
        <StreamVideo stream={props.tile.screen} />
      </button>
      <RemoteAudio stream={props.tile.screen} playing={props.tile.audible} volume={1} />
      <span class="call-name">{t('Screen of {name}', { name: props.name })}</span>
    </li>
  );
}

/** Shows a stream's video, silent (audio plays through RemoteAudio). */
function StreamVideo(props: { stream: MediaStream | null; label?: string }) {
  let el!: HTMLVideoElement;
  createEffect(() => {
    if (el.srcObject !== props.stream) el.srcObject = props.stream;
  });
  return <video ref={el} autoplay playsinline muted aria-label={props.label} />;
}

/** Plays a remote stream's audio (a <video> tile stays muted so the volume control has one place). */
function RemoteAudio(props: { stream: MediaStream | null; playing: boolean; volume: number }) {
  let el!: HTMLAudioElement;
  createEffect(() => {
    el.srcObject = props.stream;
    el.muted = !props.playing;
    el.volume = props.volume;
    if (props.stream) void el.play().catch(() => undefined);
  });
  createEffect(() => {
    const sink = preferences().speakerId;
    const media = el as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (media.setSinkId) void media.setSinkId(sink).catch(() => undefined);
  });
  return <audio ref={el} autoplay />;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
