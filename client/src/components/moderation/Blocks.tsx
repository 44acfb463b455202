/**
 * Blocking on this device (issue #16 item 3): the account's block list, read once and kept
 * current as the user blocks and unblocks; the member list's Block button, the message list's
 * collapsing, and Settings → Profile's "Blocked accounts" card read it. The server does the rest
 * (the DM turns read-only, presence and typing are hidden both ways).
 */
import { createRoot, createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n';
import { blockUser, listBlocks, unblockUser, type BlockedAccount } from '../../api/moderation';

// Plain signals, not a resource: reading a resource inside the chat screen's Suspense boundary
// would blank the whole screen while the list loads.
const store = createRoot(() => {
  const [blocks, setBlocks] = createSignal<BlockedAccount[]>([]);
  const [failed, setFailed] = createSignal(false);
  let account: string | null = null;
  const load = (userId: string | null) => {
    if (userId === account) return;
    account = userId;
    setBlocks([]);
    if (userId) void listBlocks().then((r) => account === userId && (setBlocks(r.blocks), setFailed(false)), () => setFailed(true));
  };
  return { blocks, setBlocks, failed, load };
});

/** Loads `userId`'s block list (the chat and settings screens call it once signed in; null forgets it). */
export const blocksOf = (userId: string | null) => store.load(userId);

export const isBlocked = (userId: string): boolean => store.blocks().some((b) => b.userId === userId);

export async function toggleBlock(userId: string, name: string): Promise<void> {
  if (isBlocked(userId)) {
    await unblockUser(userId);
    store.setBlocks((list) => list.filter((b) => b.userId !== userId));
  } else {
    await blockUser(userId);
    store.setBlocks((list) => [{ userId, username: name, displayName: name, createdAt: Date.now() }, ...list]);
  }
}


/** Settings → Profile: the accounts this user blocked, each with Unblock. */
export function BlockedCard() {
  return (
    <section class="settings-card" aria-labelledby="blocked-title">
      <h3 id="blocked-title">{t('Blocked accounts')}</h3>
      <p class="muted">{t('They cannot start a conversation with you, your direct messages with them are read-only, neither of you sees the other online or typing, and their messages elsewhere are collapsed. They are not told.')}</p>
      <ul class="blocked-list" aria-label={t('Blocked accounts')}>
        <For each={store.blocks()} fallback={<li class="muted">{t('You have not blocked anyone.')}</li>}>
          {(b) => (
            <li data-testid="blocked-account">
              <strong>{b.username ?? b.userId}</strong>{' '}
              <button type="button" class="small" onClick={() => void toggleBlock(b.userId, b.username ?? b.userId)}>
                {t('Unblock')}
              </button>
            </li>
          )}
        </For>
      </ul>
      <Show when={store.failed()}>
        <p class="error" role="alert">
          {t('Something went wrong.')}
        </p>
      </Show>
    </section>
  );
}
