/**
 * Choosing a picture for a slot (avatar, banner, icon): a preview of the current one, a button
 * that opens the file picker, and one to remove it. The picture is cropped and scaled here
 * (prepareImage) before it is sent; what went wrong is said in words.
 */
import { t } from '../i18n';
import { Show, type JSX } from 'solid-js';
import type { ImageSlot } from '../../../protocol/images';
import { imageUrl } from '../api/images';
import { prepareImage } from '../images/prepareImage';
import { createAction } from '../routes/settings/form';

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
  const action = createAction();
  let input!: HTMLInputElement;
  const picked = (file: File | undefined) => {
    if (file) void action.run(async () => props.upload(await prepareImage(file, props.slot)));
    input.value = '';
  };
  return (
    <fieldset class="image-field-set" aria-busy={action.busy()}>
      <legend>{props.label}</legend>
      <div class="image-field">
        <Show when={props.current} fallback={props.placeholder}>
          {(id) => <img class={props.slot === 'banner' ? 'profile-banner-preview' : 'avatar avatar-large'} src={imageUrl(id())} alt={t('Current {what}', { what: props.label.toLocaleLowerCase() })} />}
        </Show>
        <input ref={input} type="file" accept={IMAGE_ACCEPT} class="visually-hidden" aria-label={t('Choose a picture for {what}', { what: props.label.toLocaleLowerCase() })} onChange={(e) => picked(e.currentTarget.files?.[0])} tabIndex={-1} />
        <button type="button" class="small" disabled={action.busy()} onClick={() => input.click()}>
          {props.current ? t('Change…') : t('Upload…')}
        </button>
        <Show when={props.current}>
          <button type="button" class="small" disabled={action.busy()} onClick={() => void action.run(props.remove)}>
            {t('Remove')}
          </button>
        </Show>
      </div>
      <p class="error" role="alert">
        {action.error()}
      </p>
    </fieldset>
  );
}
