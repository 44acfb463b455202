/**
 * Choosing a picture for a slot (avatar, banner, icon): a preview of the current one, a button
 * that opens the file picker, and one to remove it. The picture is cropped and scaled here
 * (prepareImage) before it is sent; what went wrong is said in words.
 */
import { t } from '../i18n';
import { createSignal, Show, type JSX } from 'solid-js';
import type { ImageSlot } from '../../../protocol/images';
import { imageUrl } from '../api/images';
import { prepareImage } from '../images/prepareImage';

export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

export function ImageField(props: {
  label: string;
  slot: ImageSlot;
  current: string | null | undefined;
  /** What to show when there is no picture (initials, say). */
  placeholder?: JSX.Element;
  upload: (image: Blob) => Promise<void>;
  remove: () => Promise<void>;
}) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let input!: HTMLInputElement;
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const picked = (file: File | undefined) => {
    if (file) void run(async () => props.upload(await prepareImage(file, props.slot)));
    input.value = '';
  };
  return (
    <fieldset class="image-field-set" aria-busy={busy()}>
      <legend>{props.label}</legend>
      <div class="image-field">
        <Show when={props.current} fallback={props.placeholder}>
          {(id) => <img class={props.slot === 'banner' ? 'profile-banner-preview' : 'avatar avatar-large'} src={imageUrl(id())} alt={t('Current {what}', { what: props.label.toLocaleLowerCase() })} />}
        </Show>
        <input ref={input} type="file" accept={IMAGE_ACCEPT} class="visually-hidden" aria-label={t('Choose a picture for {what}', { what: props.label.toLocaleLowerCase() })} onChange={(e) => picked(e.currentTarget.files?.[0])} tabIndex={-1} />
        <button type="button" class="small" disabled={busy()} onClick={() => input.click()}>
          {props.current ? t('Change…') : t('Upload…')}
        </button>
        <Show when={props.current}>
          <button type="button" class="small" disabled={busy()} onClick={() => void run(props.remove)}>
            {t('Remove')}
          </button>
        </Show>
      </div>
      <p class="error" role="alert">
        {error()}
      </p>
    </fieldset>
  );
}
