/**
 * Getting around without a mouse: the quick switcher (Ctrl/Cmd+K) over conversations, channels
 * and people, and the dialog listing every shortcut (`?`). The keys themselves are bound by the
 * chat screen (`shortcutFor`); the composer handles its own (Up to edit, Escape to cancel).
 */
import { msg, t } from '../i18n';
import { createMemo, createSignal, For } from 'solid-js';
import { Dialog } from './Dialog';

export interface SwitchTarget {
  id: string;
  label: string;
  /** Where it is: a community's name, "Direct message", "Person". */
  detail: string;
  /** Opens it (navigates, or starts a DM with a person first). */
  open: () => void;
}

/** At most this many matches are listed; typing narrows them. */
const MAX_RESULTS = 12;

/** Matches by the start of any word first, then anywhere, case- and accent-insensitively. */
function rank(targets: SwitchTarget[], query: string): SwitchTarget[] {
  const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
  const q = fold(query.trim().replace(/^[#@]/, ''));
  if (!q) return targets.slice(0, MAX_RESULTS);
  const scored = targets
    .map((t) => {
      const label = fold(t.label.replace(/^#/, ''));
      const score = label.startsWith(q) ? 0 : label.split(/[\s,._-]+/).some((w) => w.startsWith(q)) ? 1 : label.includes(q) ? 2 : fold(t.detail).includes(q) ? 3 : -1;
      return { t, score };
    })
    .filter((x) => x.score >= 0)
    .sort((a, b) => a.score - b.score || a.t.label.localeCompare(b.t.label));
  return scored.slice(0, MAX_RESULTS).map((x) => x.t);
}

export function QuickSwitcher(props: { open: boolean; onClose: () => void; targets: SwitchTarget[] }) {
  const [query, setQuery] = createSignal('');
  const [active, setActive] = createSignal(0);
  const results = createMemo(() => rank(props.targets, query()));
  const choose = (t: SwitchTarget | undefined) => {
    if (!t) return;
    setQuery('');
    props.onClose();
    t.open();
  };
  const onKey = (e: KeyboardEvent) => {
    const n = results().length;
    if (e.key === 'ArrowDown' && n) (e.preventDefault(), setActive((active() + 1) % n));
    else if (e.key === 'ArrowUp' && n) (e.preventDefault(), setActive((active() - 1 + n) % n));
    else if (e.key === 'Enter') (e.preventDefault(), choose(results()[active()]));
  };
  return (
    <Dialog open={props.open} title={t('Go to a conversation')} onClose={() => (setQuery(''), props.onClose())}>
      <input
        class="switcher-input"
        role="combobox"
        aria-label={t('Conversation, channel or person')}
        aria-expanded="true"
        aria-controls="switcher-results"
        aria-activedescendant={results()[active()] ? `switch-${results()[active()]!.id}` : undefined}
        placeholder={t('Where to? Type a channel, conversation or name')}
        value={query()}
        autofocus
        onInput={(e) => (setQuery(e.currentTarget.value), setActive(0))}
        onKeyDown={onKey}
      />
      <ul id="switcher-results" class="switcher-results" role="listbox" aria-label={t('Matches')}>
        <For each={results()} fallback={<li class="muted">{t('Nothing matches.')}</li>}>
          {(t, i) => (
            <li id={`switch-${t.id}`} role="option" aria-selected={i() === active()} classList={{ active: i() === active() }} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(t)}>
              <span class="switcher-label">{t.label}</span> <span class="muted">{t.detail}</span>
            </li>
          )}
        </For>
      </ul>
    </Dialog>
  );
}

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Every shortcut, for the `?` dialog. */
export const SHORTCUTS: { keys: () => string; does: string }[] = [
  { keys: () => (isMac() ? '⌘ K' : 'Ctrl K'), does: msg('Go to a conversation, channel or person') },
  { keys: () => 'Alt ↑ / Alt ↓', does: msg('Previous or next conversation in the list') },
  { keys: () => t('↑ (empty message box)'), does: msg('Edit your last message') },
  { keys: () => 'Esc', does: msg('Cancel an edit or a reply; close a dialog or menu') },
  { keys: () => 'Enter / Shift Enter', does: msg('Send / new line') },
  { keys: () => 'Tab', does: msg('Complete an :emoji: or @mention; move between a message’s actions') },
  { keys: () => '?', does: msg('Show this list') },
];

export function ShortcutsDialog(props: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={props.open} title={t('Keyboard shortcuts')} onClose={props.onClose}>
      <table class="shortcuts">
        <tbody>
          <For each={SHORTCUTS}>
            {(s) => (
              <tr>
                <th scope="row">
                  <kbd>{s.keys()}</kbd>
                </th>
                <td>{t(s.does)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted">{t('Every message action (reply, react, pin, forward, edit, delete) is a button: Tab reaches it from the message list.')}</p>
    </Dialog>
  );
}

/** Which app shortcut a key press is, if any. Typing in a field only ever triggers Ctrl/Cmd+K and Alt+arrows. */
export function shortcutFor(e: KeyboardEvent): 'switcher' | 'previous' | 'next' | 'help' | null {
  const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') return 'switcher';
  if (e.altKey && !e.ctrlKey && !e.metaKey && e.key === 'ArrowUp') return 'previous';
  if (e.altKey && !e.ctrlKey && !e.metaKey && e.key === 'ArrowDown') return 'next';
  if (!typing && e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey) return 'help';
  return null;
}
