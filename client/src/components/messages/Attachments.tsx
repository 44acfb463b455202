/**
 * A message's encrypted files (issue #13): images inline (their box reserved from the
 * dimensions the sender measured, so the list does not jump), video and audio with the
 * browser's players, and a card with name, size and a Download button for everything else. Each
 * is decrypted on this device when shown; one that cannot be says why (typed), never a broken
 * image. Images open in the Lightbox.
 */
import { Icon } from '../Icon';
import { createEffect, createMemo, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import { locale, t } from '../../i18n';
import type { FileRef } from '../../e2ee/MessageBody';
import { downloadFile, FileOpenError, formatSize, isImageType, mediaUrl, thumbType } from '../../files/transfer';
import { fromBase64, toBase64 } from '../../e2ee/base64';
import { mediaStreamUrl } from '../../files/mediaStream';

/** Largest box an inline image takes, CSS pixels. */
const MAX_W = 360;
const MAX_H = 320;

export const isImage = (f: FileRef) => isImageType(f.type);
const isVideo = (f: FileRef) => /^video\/(mp4|webm|ogg)$/.test(f.type);
const isAudio = (f: FileRef) => /^audio\/(mpeg|mp4|ogg|webm|wav|x-wav|flac|aac)$/.test(f.type);

/** The sentence for a file that could not be opened. */
export function fileProblem(e: unknown): string {
  const code = e instanceof FileOpenError ? e.code : 'failed';
  switch (code) {
    case 'not-found':
      return t('This file is gone, or you can no longer see it.');
    case 'tampered':
      return t('This file was altered on the way, so it is not shown.');
    case 'file-truncated':
      return t('This file was cut off on the way, so it is not shown.');
    case 'network':
      return t('The file could not be fetched. Check your connection and try again.');
    default:
      return t('This file could not be opened.');
  }
}

/**
 * The decrypted object URL of a file, and why it could not be made. Signals, not a resource: a
 * resource read under the app's Suspense would take the screen (and the focus) away while each
 * image decrypts.
 */
export function useMediaUrl(file: () => FileRef | null): { url: () => string | undefined; error: () => unknown } {
  const [url, setUrl] = createSignal<string>();
  const [error, setError] = createSignal<unknown>();
  createEffect(() => {
    const f = file();
    setUrl(undefined);
    setError(undefined);
    if (!f) return;
    let current = true;
    onCleanup(() => (current = false));
    mediaUrl(f).then(
      (u) => current && setUrl(u),
      (e: unknown) => current && setError(() => e ?? new Error('failed')),
    );
  });
  return { url, error };
}

/**
 * The thumbnail the sender put in the message as a data: address (the CSP allows data: images;
 * an object URL revoked while a re-drawn row still loaded it failed), if it is a WebP or JPEG.
 */
function thumbSrc(file: FileRef): string | undefined {
  if (!file.thumb) return undefined;
  const bytes = fromBase64(file.thumb);
  const type = thumbType(bytes);
  return type ? `data:${type};base64,${toBase64(bytes)}` : undefined;
}

/** The box an image takes: its own size scaled into MAX_W × MAX_H. */
function box(f: FileRef): { width: number; height: number } | undefined {
  if (!f.width || !f.height) return undefined;
  const scale = Math.min(1, MAX_W / f.width, MAX_H / f.height);
  return { width: Math.round(f.width * scale), height: Math.round(f.height * scale) };
}

function Media(props: { file: FileRef; onOpen?: () => void }) {
  // Video and audio stream through the service worker (files/mediaStream.ts) when one controls
  // the page: they start playing after the first chunks. If that fails, or there is none, the
  // file is decrypted whole (which also says why when it cannot be).
  const [streamFailed, setStreamFailed] = createSignal(false);
  const streamUrl = createMemo(() => (isImage(props.file) || streamFailed() ? null : mediaStreamUrl(props.file)));
  const whole = useMediaUrl(() => (streamUrl() ? null : props.file));
  const url = () => streamUrl() ?? whole.url();
  const error = () => whole.error();
  const size = box(props.file);
  const thumb = createMemo(() => thumbSrc(props.file));
  return (
    <Switch>
      <Match when={error()}>
        <p class="file-problem" role="note" data-testid="file-problem">
          {props.file.name}: {fileProblem(error())}
        </p>
      </Match>
      <Match when={isImage(props.file)}>
        <button type="button" class="image-button" aria-label={t('Open image {name}', { name: props.file.name })} onClick={() => props.onOpen?.()} style={size ? { width: `${size.width}px`, height: `${size.height}px` } : undefined}>
          {/* Until the file is decrypted, the sender's thumbnail (blurred, scaled into the same box) stands in. */}
          <Show
            when={url()}
            fallback={
              <Show when={thumb()} fallback={<span class="image-placeholder" aria-hidden="true" />}>
                <img class="image-thumb" src={thumb()} alt="" width={size?.width} height={size?.height} data-testid="attachment-thumb" />
              </Show>
            }
          >
            <img src={url()} alt={props.file.name} width={size?.width} height={size?.height} data-testid="attachment-image" />
          </Show>
        </button>
      </Match>
      <Match when={isVideo(props.file)}>
        <Show when={url()} fallback={<span class="image-placeholder" aria-hidden="true" />}>
          <video src={url()} controls preload="metadata" aria-label={props.file.name} data-testid="attachment-video" data-streamed={streamUrl() ? 'true' : undefined} onError={() => streamUrl() && setStreamFailed(true)} />
        </Show>
      </Match>
      <Match when={isAudio(props.file)}>
        <Show when={url()}>
          <audio src={url()} controls preload="metadata" aria-label={props.file.name} data-testid="attachment-audio" data-streamed={streamUrl() ? 'true' : undefined} onError={() => streamUrl() && setStreamFailed(true)} />
        </Show>
      </Match>
    </Switch>
  );
}

function FileCard(props: { file: FileRef }) {
  const [problem, setProblem] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const save = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await downloadFile(props.file);
    } catch (err) {
      setProblem(fileProblem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="file-card" data-testid="file-card">
      <span class="file-icon" aria-hidden="true">
        <Icon name="file" />
      </span>
      <span class="file-name">{props.file.name}</span>
      <span class="file-size muted">{formatSize(props.file.size, locale())}</span>
      <button type="button" class="small" disabled={busy()} aria-label={t('Download {name}', { name: props.file.name })} onClick={() => void save()}>
        {busy() ? t('Decrypting…') : t('Download')}
      </button>
      <Show when={problem()}>
        <span class="file-problem" role="alert">
          {problem()}
        </span>
      </Show>
    </div>
  );
}

export function Attachments(props: { files: FileRef[]; onOpenImage?: (file: FileRef) => void }) {
  return (
    <div class="attachments">
      <For each={props.files}>
        {(f) => (
          <Show when={isImage(f) || isVideo(f) || isAudio(f)} fallback={<FileCard file={f} />}>
            <Media file={f} onOpen={() => props.onOpenImage?.(f)} />
          </Show>
        )}
      </For>
    </div>
  );
}
