import { Show } from 'solid-js';
import { t } from '../i18n';

/** A list that could not be read: why, and a button to read it again (api/readable.ts). */
export function ReadFailure(props: { failure: string | null; retry: () => void }) {
  return (
    <Show when={props.failure}>
      {(why) => (
        <p class="error read-failure" role="alert">
          {t('Could not load this: {reason}', { reason: why() })}{' '}
          <button type="button" class="small" onClick={() => props.retry()}>
            {t('Try again')}
          </button>
        </p>
      )}
    </Show>
  );
}
