/**
 * The people in the conversation on screen, online first, each with a presence dot (online,
 * idle, offline: shown by colour and shape and said in words), their built-in role and custom
 * roles, a link to their safety-number screen (`#/verify/<userId>`), and a Kick button (press
 * twice) for those the viewer may remove. It lists what it is given; ChatScreen reads the members
 * and the hub's presence and decides who may be kicked (the server decides again).
 */
import { errorText } from '../api/errorText';
import { msg, t } from '../i18n';
import { createMemo, createSignal, For, Show } from 'solid-js';
import type { PresenceState } from '../../../protocol/hub';
import { Avatar } from './Avatar';

export interface MemberRow {
  userId: string;
  name: string;
  /** Built-in role in a community ("owner", "admin", …); absent in a DM. */
  role?: string;
  /** Names of the custom roles they hold. */
  roles: string[];
  /** Their avatar's image id; null or absent: initials. */
  avatarId?: string | null;
  /** The status they set ("In a meeting"); null or absent: none. */
  status?: string | null;
}

const ORDER: Record<PresenceState, number> = { online: 0, idle: 1, offline: 2 };

export function MemberList(props: { members: MemberRow[]; presenceOf: (userId: string) => PresenceState; me: string; /** The list is being read again (aria-busy). */ busy?: boolean; canKick?: (m: MemberRow) => boolean; onKick?: (m: MemberRow) => Promise<void>; /** Blocking (issue #16). */ isBlocked?: (userId: string) => boolean; onToggleBlock?: (m: MemberRow) => Promise<void>; /** Purge (issue #16): offered to moderators. */ canPurge?: (m: MemberRow) => boolean; onPurge?: (m: MemberRow) => void; /** Reporting a person to the instance's admins (issue #16). */ onReport?: (m: MemberRow) => void; /** Warning a member (issue #16): offered to moderators. */ canWarn?: (m: MemberRow) => boolean; onWarn?: (m: MemberRow) => void }) {
  /** The member whose Kick button was pressed once: the second press confirms. */
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const kick = async (m: MemberRow) => {
    if (confirming() !== m.userId) return setConfirming(m.userId);
    setConfirming(null);
    setError(null);
    await props.onKick?.(m).catch((e: unknown) => setError(errorText(e, msg('Could not remove them.'))));
  };
  const sorted = createMemo(() => [...props.members].sort((a, b) => ORDER[props.presenceOf(a.userId)] - ORDER[props.presenceOf(b.userId)] || a.name.localeCompare(b.name)));
  return (
    <section class="member-list" aria-labelledby="member-list-title" aria-busy={props.busy ? 'true' : undefined}>
      <h2 id="member-list-title">{t('Members ({count})', { count: props.members.length })}</h2>
      <ul>
        <For each={sorted()}>
          {(m) => (
            <li data-user={m.userId} data-presence={props.presenceOf(m.userId)}>
              <a href={`#/verify/${m.userId}`} title={t("Verify {name}'s safety number", { name: m.name })}>
                <Avatar id={m.userId} name={m.name} image={m.avatarId} />
                <span class={`presence presence-${props.presenceOf(m.userId)}`} aria-hidden="true" />
                <span class="member-name">
                  {m.name}
                  <Show when={m.userId === props.me}> {t('(you)')}</Show>
                </span>
                <span class="visually-hidden">, {props.presenceOf(m.userId)}</span>
                <Show when={m.status}>
                  <span class="member-status" data-testid="member-status">
                    <span class="visually-hidden">, </span>
                    {m.status}
                  </span>
                </Show>
                <Show when={m.role || m.roles.length > 0}>
                  <span class="member-roles">{[m.role && m.role !== 'member' ? m.role : null, ...m.roles].filter(Boolean).join(', ')}</span>
                </Show>
              </a>
              <span class="member-actions">
              <Show when={props.onToggleBlock && m.userId !== props.me}>
                <button
                  type="button"
                  class="link-button block"
                  aria-label={props.isBlocked?.(m.userId) ? t('Unblock {name}', { name: m.name }) : t('Block {name}', { name: m.name })}
                  onClick={() => void props.onToggleBlock!(m).catch((e: unknown) => setError(errorText(e)))}
                >
                  {props.isBlocked?.(m.userId) ? t('Unblock') : t('Block')}
                </button>
              </Show>
              <Show when={props.onReport && m.userId !== props.me}>
                <button type="button" class="link-button" aria-label={t('Report {name}…', { name: m.name })} onClick={() => props.onReport!(m)}>
                  {t('Report')}
                </button>
              </Show>
              <Show when={props.canWarn?.(m)}>
                <button type="button" class="link-button" aria-label={t('Warn {name}…', { name: m.name })} onClick={() => props.onWarn?.(m)}>
                  {t('Warn')}
                </button>
              </Show>
              <Show when={props.canPurge?.(m)}>
                <button type="button" class="link-button danger" aria-label={t("Purge {name}'s messages…", { name: m.name })} onClick={() => props.onPurge?.(m)}>
                  {t('Purge')}
                </button>
              </Show>
              <Show when={props.canKick?.(m)}>
                <button type="button" class="link-button danger kick" aria-label={confirming() === m.userId ? t('Confirm: remove {name} from the community', { name: m.name }) : t('Kick {name}', { name: m.name })} onClick={() => void kick(m)}>
                  {confirming() === m.userId ? t('Confirm kick') : t('Kick')}
                </button>
              </Show>
              </span>
            </li>
          )}
        </For>
      </ul>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}
