/**
 * A modal dialog on the native <dialog> element: showModal() gives the focus trap, Escape and the
 * inert background; aria-modal and aria-labelledby say so to assistive technology. Closing (by
 * Escape, the close button or the caller) calls `onClose`.
 */
import { t } from '../i18n';
import { createEffect, createUniqueId, Show, type JSX } from 'solid-js';

export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: JSX.Element }) {
  let ref!: HTMLDialogElement;
  const id = createUniqueId();
  createEffect(() => {
    if (props.open && !ref.open) ref.showModal();
    else if (!props.open && ref.open) ref.close();
  });
  return (
    // The native close event also follows our own ref.close() (when `open` went false, e.g. one
    // dialog handing over to another): only a close the user made (Escape) is reported.
    <dialog ref={ref} class="dialog" aria-modal="true" aria-labelledby={`dlg-${id}`} onClose={() => props.open && props.onClose()}>
      <div class="dialog-head">
        <h2 id={`dlg-${id}`}>{props.title}</h2>
        <button type="button" class="icon-button" aria-label={t('Close')} onClick={() => props.onClose()}>
          ×
        </button>
      </div>
      {/* Show memoizes "open": the children are made once per opening, not again whenever what
          decides `open` re-runs (a live list re-read would otherwise rebuild a form being filled). */}
      <Show when={props.open}>{props.children}</Show>
    </dialog>
  );
}
