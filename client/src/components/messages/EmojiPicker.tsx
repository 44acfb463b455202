/** A small emoji picker: a search box and a grid of the built-in emoji, each a labelled button. */
import { t } from '../../i18n';
import { createSignal, For, onMount, Show } from 'solid-js';
import { searchEmoji, type EmojiEntry } from './emoji';

export function EmojiPicker(props: { label: string; onPick: (emoji: string) => void; onClose: () => void; custom?: EmojiEntry[] }) {
  const [query, setQuery] = createSignal('');
  let input!: HTMLInputElement;
  onMount(() => input.focus());
  return (
    <div class="emoji-picker" role="dialog" aria-label={props.label} onKeyDown={(e) => e.key === 'Escape' && props.onClose()}>
      <label class="visually-hidden" for="emoji-search">
        {t('Search emoji')}
      </label>
      <input id="emoji-search" ref={input} placeholder={t('Search emoji')} value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
      <div class="emoji-grid">
        <For each={searchEmoji(query(), 32, props.custom)} fallback={<p class="muted">{t('No emoji match.')}</p>}>
          {(e) => (
            <button type="button" class="emoji-button" aria-label={e.name.replace(/_/g, ' ')} title={`:${e.name}:`} onClick={() => props.onPick(e.emoji)}>
              <Show when={e.image} fallback={e.emoji}>
                <img class="custom-emoji" src={e.image} alt="" />
              </Show>
            </button>
          )}
        </For>
      </div>
    </div>
  );
}
