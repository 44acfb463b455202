/**
 * The edit history of a message (issue #15 item 3): every version of its text, newest first,
 * each with when it was sent. Each version came as its own encrypted envelope, so whoever can
 * read the message can read this; the server holds only their ciphertexts. Versions are shown as
 * plain text (no Markdown), so an old version reads exactly as it was written.
 */
import { For } from 'solid-js';
import { locale, t } from '../../i18n';
import { preferences } from '../../stores/preferences';
import { Dialog } from '../Dialog';
import { messageTimeFull } from './messageTime';

export interface EditHistoryOf {
  sender: string;
  versions: { text: string; ts: number }[];
}

export function EditHistory(props: { of: EditHistoryOf | null; onClose: () => void }) {
  const newestFirst = () => [...(props.of?.versions ?? [])].map((v, i) => ({ ...v, i })).reverse();
  const last = () => (props.of?.versions.length ?? 0) - 1;
  return (
    <Dialog open={props.of !== null} title={t('Edit history')} onClose={() => props.onClose()}>
      <ol class="edit-history" data-testid="edit-history" reversed>
        <For each={newestFirst()}>
          {(v) => (
            <li>
              <p class="edit-history-when">
                <time dateTime={new Date(v.ts).toISOString()}>{messageTimeFull(v.ts, preferences().clock, locale())}</time>{' '}
                <span class="edit-history-label">{v.i === last() ? t('Current version') : v.i === 0 ? t('Original') : ''}</span>
              </p>
              <p class="edit-history-text">{v.text}</p>
            </li>
          )}
        </For>
      </ol>
    </Dialog>
  );
}
