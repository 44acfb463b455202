/**
 * The image viewer (issue #13): a modal dialog over the conversation showing one of its images,
 * decrypted on this device. Left and right arrows (and the buttons) move between the
 * conversation's images, `+`/`-` (or the Zoom button) zoom, Escape closes (the native dialog's
 * own handling, which also traps focus and returns it).
 */
import { createEffect, createSignal, Show } from 'solid-js';
import { t } from '../../i18n';
import type { FileRef } from '../../e2ee/MessageBody';
import { Dialog } from '../Dialog';
import { fileProblem, useMediaUrl } from './Attachments';

export function Lightbox(props: { images: FileRef[]; current: FileRef | null; onChange: (f: FileRef | null) => void }) {
  const [zoomed, setZoomed] = createSignal(false);
  const index = () => (props.current ? props.images.findIndex((f) => f.id === props.current!.id) : -1);
  const move = (by: number) => {
    const i = index();
    const next = props.images[i + by];
    if (i >= 0 && next) (props.onChange(next), setZoomed(false));
  };
  const { url, error } = useMediaUrl(() => props.current);
  createEffect(() => props.current === null && setZoomed(false));
  return (
    <Dialog open={props.current !== null} title={props.current ? t('Image {n} of {count}: {name}', { n: index() + 1, count: props.images.length, name: props.current.name }) : ''} onClose={() => props.onChange(null)}>
      <div
        class="lightbox"
        tabIndex={-1}
        ref={(el) => queueMicrotask(() => el.focus())}
        onKeyDown={(e) => {
          if (e.key === 'ArrowLeft') (e.preventDefault(), move(-1));
          else if (e.key === 'ArrowRight') (e.preventDefault(), move(1));
          else if (e.key === '+' || e.key === '=') setZoomed(true);
          else if (e.key === '-') setZoomed(false);
        }}
      >
        <Show when={!error()} fallback={<p class="file-problem">{fileProblem(error())}</p>}>
          <Show when={url()}>
            <img src={url()} alt={props.current?.name ?? ''} class={zoomed() ? 'zoomed' : ''} data-testid="lightbox-image" onClick={() => setZoomed(!zoomed())} />
          </Show>
        </Show>
        <div class="lightbox-tools">
          <button type="button" class="small" disabled={index() <= 0} onClick={() => move(-1)}>
            {t('Previous image')}
          </button>
          <button type="button" class="small" aria-pressed={zoomed()} onClick={() => setZoomed(!zoomed())}>
            {zoomed() ? t('Zoom out') : t('Zoom in')}
          </button>
          <button type="button" class="small" disabled={index() >= props.images.length - 1} onClick={() => move(1)}>
            {t('Next image')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
