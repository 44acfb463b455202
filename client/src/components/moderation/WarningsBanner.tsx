/**
 * Warnings a moderator gave this account (issue #16 item 2), shown until the member
 * acknowledges each one (remembered on this device). Re-read when the hub says the account's
 * standing changed.
 */
import { createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n';
import { myWarnings, type MyWarning } from '../../api/moderation';

const SEEN_KEY = 'chatalot.warnings.seen';

function seenIds(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(SEEN_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** This account's warnings, read now and on `refetch` (a signal, not a resource: the chat screen must not suspend for it). */
export function useWarnings() {
  const [warnings, setWarnings] = createSignal<MyWarning[]>([]);
  const refetch = () => myWarnings().then((r) => setWarnings(r.warnings), () => undefined);
  void refetch();
  return { warnings, refetch };
}

export function WarningsBanner(props: { warnings: MyWarning[] | undefined }) {
  const [seen, setSeen] = createSignal(seenIds());
  const unseen = () => (props.warnings ?? []).filter((w) => !seen().has(w.id));
  const acknowledge = (id: string) => {
    const next = new Set(seen()).add(id);
    localStorage.setItem(SEEN_KEY, JSON.stringify([...next].slice(-200)));
    setSeen(next);
  };
  return (
    <For each={unseen()}>
      {(w) => (
        <div class="banner banner-warn" role="alert" data-testid="warning">
          <p>
            <Show when={w.communityName} fallback={t("This instance's admins warned you: {reason}", { reason: w.reason })}>
              {(name) => t('The moderators of {community} warned you: {reason}', { community: name(), reason: w.reason })}
            </Show>
          </p>
          <button type="button" class="small" onClick={() => acknowledge(w.id)}>
            {t('I understand')}
          </button>
        </div>
      )}
    </For>
  );
}
