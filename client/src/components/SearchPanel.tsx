/**
 * Search over this device's own history (issue #15 item 8): words and filters (from a person, in
 * a conversation, has a file or a link, before or after a date), results with the words marked
 * and some context, and a jump to the message. The query runs against the index in this browser
 * (search/SearchIndex.ts); nothing of it reaches the server.
 */
import { errorText } from '../api/errorText';
import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { t } from '../i18n';
import type { SearchHit, SearchQuery } from '../search/SearchIndex';
import { searchIndex } from '../search/searchStore';
import { Dialog } from './Dialog';
import { searchSnippet } from './messages/searchSnippet';

export interface SearchPlace {
  id: string;
  title: string;
  /** The route of the conversation (`/c/…/…` or `/dm/…`). */
  path: string;
}

export function SearchPanel(props: {
  open: boolean;
  onClose: () => void;
  places: SearchPlace[];
  people: { id: string; name: string }[];
  nameOf: (userId: string) => string;
  onJump: (place: SearchPlace, seq: number) => void;
}) {
  const [text, setText] = createSignal('');
  const [from, setFrom] = createSignal('');
  const [place, setPlace] = createSignal('');
  const [hasFile, setHasFile] = createSignal(false);
  const [hasLink, setHasLink] = createSignal(false);
  const [after, setAfter] = createSignal('');
  const [before, setBefore] = createSignal('');
  const [hits, setHits] = createSignal<SearchHit[] | null>(null);
  const [problem, setProblem] = createSignal('');

  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const query = (): SearchQuery | null => {
    const q: SearchQuery = { text: text(), limit: 50 };
    if (from()) q.from = from();
    if (place()) q.in = place();
    const has = [...(hasFile() ? (['file'] as const) : []), ...(hasLink() ? (['link'] as const) : [])];
    if (has.length) q.has = has;
    // Dates are whole days in this browser's time zone: after the start of one, before the end of the other.
    if (after()) q.after = new Date(`${after()}T00:00:00`).getTime();
    if (before()) q.before = new Date(`${before()}T00:00:00`).getTime() + 86_400_000;
    const filtered = q.from || q.in || q.has || q.after !== undefined || q.before !== undefined;
    return text().trim() || filtered ? q : null;
  };
  createEffect(
    on([text, from, place, hasFile, hasLink, after, before], () => {
      clearTimeout(timer);
      const q = query();
      if (!q) return setHits(null);
      timer = setTimeout(() => {
        void searchIndex()
          .then((index) => index.search(q))
          .then(
            (found) => (setProblem(''), setHits(found)),
            (e: unknown) => setProblem(errorText(e)),
          );
      }, 150);
    }),
  );
  const placeOf = (id: string) => props.places.find((p) => p.id === id);
  const day = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <Dialog open={props.open} title={t('Search messages')} onClose={props.onClose}>
      <form class="search-panel" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('Words')}
          <input type="search" value={text()} onInput={(e) => setText(e.currentTarget.value)} autofocus />
        </label>
        <div class="search-filters">
          <label>
            {t('From')}
            <select aria-label={t('From')} value={from()} onChange={(e) => setFrom(e.currentTarget.value)}>
              <option value="">{t('Anyone')}</option>
              <For each={props.people}>{(p) => <option value={p.id}>{p.name}</option>}</For>
            </select>
          </label>
          <label>
            {t('In')}
            <select aria-label={t('In')} value={place()} onChange={(e) => setPlace(e.currentTarget.value)}>
              <option value="">{t('Every conversation')}</option>
              <For each={props.places}>{(p) => <option value={p.id}>{p.title}</option>}</For>
            </select>
          </label>
          <label class="checkbox">
            <input type="checkbox" checked={hasFile()} onChange={(e) => setHasFile(e.currentTarget.checked)} /> {t('Has a file')}
          </label>
          <label class="checkbox">
            <input type="checkbox" checked={hasLink()} onChange={(e) => setHasLink(e.currentTarget.checked)} /> {t('Has a link')}
          </label>
          <label>
            {t('After')}
            <input type="date" value={after()} onInput={(e) => setAfter(e.currentTarget.value)} />
          </label>
          <label>
            {t('Before')}
            <input type="date" value={before()} onInput={(e) => setBefore(e.currentTarget.value)} />
          </label>
        </div>
        <p class="muted">{t('Searches what this device has decrypted, here in your browser. Nothing you search for is sent to the server.')}</p>
        <Show when={problem()}>
          <p class="error" role="alert">
            {problem()}
          </p>
        </Show>
        <Show when={hits()}>
          {(found) => (
            <>
              <p role="status" class="muted">
                {t('{count} results', { count: found().length })}
              </p>
              <ol class="search-results" aria-label={t('Search results')}>
                <For each={found()}>
                  {(hit) => (
                    <li>
                      <button
                        type="button"
                        class="search-result"
                        data-testid="search-result"
                        onClick={() => {
                          const p = placeOf(hit.channelId);
                          if (p) props.onJump(p, hit.seq);
                        }}
                      >
                        <span class="muted">
                          {placeOf(hit.channelId)?.title ?? t('a conversation')} · {props.nameOf(hit.sender)} · {day(hit.ts)}
                        </span>
                        <span class="search-snippet">
                          <For each={searchSnippet(hit.text, hit.highlights)}>{(run) => (run.mark ? <mark>{run.text}</mark> : run.text)}</For>
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ol>
            </>
          )}
        </Show>
      </form>
    </Dialog>
  );
}
