/**
 * The narrow column of communities: the direct-messages home first, then each community as a
 * two-letter tile with its unread and mention totals, then the buttons to create or join one.
 * Totals are summed by the caller; this only draws them and names them for screen readers.
 */
import { t } from '../i18n';
import { For, Show } from 'solid-js';
import { imageUrl } from '../api/images';
import { unreadLabel, UnreadBadge, type Counts } from './UnreadBadge';

export function CommunityRail(props: {
  communities: { id: string; name: string; iconId?: string | null; accent?: string | null }[];
  current: string | null;
  countsOfCommunity: (id: string) => Counts;
  dmCounts: Counts;
  /** The direct-messages item was chosen (also when already there): the caller reads the DM list again. */
  onHome?: () => void;
  onCreate: () => void;
  onJoin: () => void;
}) {
  return (
    <nav class="rail" aria-label={t('Communities')}>
      <ul>
        <li>
          <a
            href="#/"
            onClick={() => props.onHome?.()}
            class="rail-item"
            classList={{ active: props.current === null }}
            aria-current={props.current === null ? 'page' : undefined}
            title={t('Direct messages')}
          >
            {/* The initials are a picture of the name; the hidden text says it in full (WCAG 2.5.3 wants no aria-label that hides visible text). */}
            <span aria-hidden="true">DM</span>
            <span class="visually-hidden">{unreadLabel(t('Direct messages'), props.dmCounts)}</span>
            <UnreadBadge counts={props.dmCounts} />
          </a>
        </li>
        <For each={props.communities}>
          {(c) => (
            <li>
              <a
                href={`#/c/${c.id}`}
                class="rail-item"
                aria-current={props.current === c.id ? 'page' : undefined}
                title={c.name}
                style={c.accent ? { '--community-accent': c.accent } : undefined}
                classList={{ active: props.current === c.id, 'has-accent': !!c.accent }}
              >
                <Show when={c.iconId} fallback={<span aria-hidden="true">{c.name.slice(0, 2).toUpperCase()}</span>}>
                  {(id) => <img class="rail-icon" src={imageUrl(id())} alt="" width="48" height="48" />}
                </Show>
                <span class="visually-hidden">{unreadLabel(c.name, props.countsOfCommunity(c.id))}</span>
                <UnreadBadge counts={props.countsOfCommunity(c.id)} />
              </a>
            </li>
          )}
        </For>
      </ul>
      <button type="button" class="rail-item add" aria-label={t('Create a community')} title={t('Create a community')} onClick={() => props.onCreate()}>
        +
      </button>
      <button type="button" class="rail-item add" aria-label={t('Join a community')} title={t('Join a community')} onClick={() => props.onJoin()}>
        ⇥
      </button>
    </nav>
  );
}
