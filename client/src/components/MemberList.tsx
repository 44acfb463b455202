/**
 * The people in the conversation on screen, online first, each with a presence dot (online,
 * idle, offline: shown by colour and shape and said in words), their built-in role and custom
 * roles, and a link to their safety-number screen (`#/verify/<userId>`). It lists what it is
 * given; ChatScreen reads the members and the hub's presence.
 */
import { createMemo, For, Show } from 'solid-js';
import type { PresenceState } from '../../../protocol/hub';

export interface MemberRow {
  userId: string;
  name: string;
  /** Built-in role in a community ("owner", "admin", …); absent in a DM. */
  role?: string;
  /** Names of the custom roles they hold. */
  roles: string[];
}

const ORDER: Record<PresenceState, number> = { online: 0, idle: 1, offline: 2 };

export function MemberList(props: { members: MemberRow[]; presenceOf: (userId: string) => PresenceState; me: string }) {
  const sorted = createMemo(() => [...props.members].sort((a, b) => ORDER[props.presenceOf(a.userId)] - ORDER[props.presenceOf(b.userId)] || a.name.localeCompare(b.name)));
  return (
    <section class="member-list" aria-labelledby="member-list-title">
      <h2 id="member-list-title">Members ({props.members.length})</h2>
      <ul>
        <For each={sorted()}>
          {(m) => (
            <li data-user={m.userId} data-presence={props.presenceOf(m.userId)}>
              <a href={`#/verify/${m.userId}`} title={`Verify ${m.name}'s safety number`}>
                <span class={`presence presence-${props.presenceOf(m.userId)}`} aria-hidden="true" />
                <span class="member-name">
                  {m.name}
                  <Show when={m.userId === props.me}> (you)</Show>
                </span>
                <span class="visually-hidden">, {props.presenceOf(m.userId)}</span>
                <Show when={m.role || m.roles.length > 0}>
                  <span class="member-roles">{[m.role && m.role !== 'member' ? m.role : null, ...m.roles].filter(Boolean).join(', ')}</span>
                </Show>
              </a>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
