/**
 * The GIF picker (issue #15 item 7), present only when the instance has a GIF service. Searches
 * and the GIFs themselves go through the instance, so the provider never sees this device; the
 * GIF picked is handed to the composer as a file, which sends it end-to-end encrypted like any
 * attachment (receivers fetch it from this instance, never from the provider).
 */
import { errorText } from '../../api/errorText';
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { t } from '../../i18n';
import { gifBlob, searchGifs } from '../../api/gifs';
import type { GifResult } from '../../../../protocol/gifs';
import { Dialog } from '../Dialog';
import { readableFrom } from '../../api/readable';

function Preview(props: { gif: GifResult; onPick: () => void }) {
  const [url] = createResource(async () => URL.createObjectURL(await gifBlob(props.gif.preview)));
  onCleanup(() => url() && URL.revokeObjectURL(url()!));
  return (
    <button type="button" class="gif-result" onClick={() => props.onPick()} aria-label={props.gif.description || t('GIF')}>
      <Show when={url()} fallback={<span class="gif-loading">…</span>}>
        <img src={url()} alt="" />
      </Show>
    </button>
  );
}

export function GifPicker(props: { open: boolean; onClose: () => void; onPick: (file: File) => void }) {
  const [query, setQuery] = createSignal('');
  const read = readableFrom(query, async (q) => (q.trim() ? (await searchGifs(q.trim())).results : []));
  const results = read.value;
  const [problem, setProblem] = createSignal('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const pick = async (gif: GifResult) => {
    try {
      const blob = await gifBlob(gif.gif);
      const name = `${(gif.description || 'gif').replace(/[^\p{L}\p{N} _-]/gu, '').trim().slice(0, 60) || 'gif'}.${blob.type === 'image/webp' ? 'webp' : 'gif'}`;
      props.onPick(new File([blob], name, { type: blob.type }));
      props.onClose();
    } catch (e) {
      setProblem(errorText(e));
    }
  };
  return (
    <Dialog open={props.open} title={t('Choose a GIF')} onClose={() => props.onClose()}>
      <label class="gif-search">
        {t('Search GIFs')}
        <input type="search" onInput={(e) => (clearTimeout(timer), (timer = setTimeout((v: string) => setQuery(v), 400, e.currentTarget.value)))} />
      </label>
      <p class="muted small-text">{t('Searches go through this server, so the GIF service never sees you. The GIF you pick is sent end-to-end encrypted.')}</p>
      <Show when={problem() || read.failure()}>
        <p class="error" role="alert">
          {problem() || read.failure()}
        </p>
      </Show>
      <div class="gif-results" role="list" aria-busy={results.loading}>
        <For each={results() ?? []}>
          {(gif) => (
            <div role="listitem">
              <Preview gif={gif} onPick={() => void pick(gif)} />
            </div>
          )}
        </For>
      </div>
    </Dialog>
  );
}
