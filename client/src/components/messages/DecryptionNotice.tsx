/**
 * A message this device could not open, explained in its own row: why, in words a person
 * understands, and what to do — restore the key backup (the banner's form opens), verify the
 * sender, or wait, because it opens by itself when its key arrives. The codes are
 * client/src/crypto/errors.ts's; the lock icon beside it keeps the short form.
 */
import { Show } from 'solid-js';
import { t } from '../../i18n';
import { explainFailure } from './failures';

export { explainFailure };

export function DecryptionNotice(props: { code: string; sender: string; senderId: string; canRestore: boolean; onRestore: () => void }) {
  const why = () => explainFailure(props.code, props.sender, props.canRestore);
  return (
    <p class="text undecryptable" data-testid="decrypt-problem" data-code={props.code}>
      {why().text}{' '}
      <Show when={why().action === 'restore'}>
        <button type="button" class="small" onClick={() => props.onRestore()}>
          {t('Restore')}
        </button>
      </Show>
      <Show when={why().action === 'verify'}>
        <a href={`#/verify/${props.senderId}`}>{t('Verify {name}', { name: props.sender })}</a>
      </Show>
    </p>
  );
}
