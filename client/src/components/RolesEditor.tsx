/**
 * The custom roles of a community, for members with MANAGE_ROLES: create a role from permission
 * bits (protocol/permissions.ts), delete one, and give roles to members or take them away. A
 * permission the user does not hold is shown but cannot be ticked, since the server refuses to
 * let anyone grant what they do not hold (ADMINISTRATOR: the owner only; docs/permissions.md).
 * The server still decides everything; its refusal is shown in the alert.
 */
import { errorText } from '../api/errorText';
import { msg, t } from '../i18n';
import { createSignal, For, Show } from 'solid-js';
import { Permission, RANK, type PermissionName } from '../../../protocol/permissions';
import { assignRole, createRole, deleteRole, listRoles, unassignRole, type CommunityMember, type Role } from '../api/communities';
import { Dialog } from './Dialog';
import { ReadFailure } from './ReadFailure';
import { readableFrom } from '../api/readable';

/** What each bit lets a member do, in the words of docs/permissions.md. */
export const PERMISSION_LABELS: Record<PermissionName, string> = {
  VIEW: msg('See channels'),
  SEND: msg('Send messages'),
  ATTACH: msg('Attach files'),
  REACT: msg('Add reactions'),
  MENTION_EVERYONE: msg('Mention @everyone and @here'),
  MANAGE_MESSAGES: "Delete others' messages",
  MANAGE_CHANNELS: msg('Manage channels and groups'),
  MANAGE_ROLES: msg('Manage roles'),
  KICK: msg('Kick members'),
  BAN: msg('Ban members'),
  TIMEOUT: msg('Time members out'),
  MANAGE_INVITES: msg('Manage invites'),
  MANAGE_WEBHOOKS: msg('Manage webhooks'),
  MANAGE_EMOJI: msg('Manage emoji'),
  ADMINISTRATOR: msg('Administrator (everything)'),
  CONNECT: msg('Join calls'),
  SPEAK: msg('Speak in calls'),
  VIDEO: msg('Use the camera in calls'),
  SCREEN_SHARE: msg('Share the screen in calls'),
  MUTE_MEMBERS: msg('Mute or disconnect others in calls'),
};
const NAMES = Object.keys(Permission) as PermissionName[];

/** Names of the bits in `bits`, for a role's summary. */
export function permissionNames(bits: number): string[] {
  return NAMES.filter((n) => bits & Permission[n]).map((n) => t(PERMISSION_LABELS[n]));
}

export function RolesEditor(props: {
  open: boolean;
  onClose: () => void;
  communityId: string;
  me: { userId: string; role: CommunityMember['role']; bits: number };
  members: CommunityMember[];
  nameOf: (m: CommunityMember) => string;
  /** A role was created, deleted, given or taken: the caller re-reads the members. */
  onChanged: () => void;
}) {
  const read = readableFrom(() => (props.open ? props.communityId : null), async (id) => (await listRoles(id)).roles);
  const roles = read.value;
  const refetch = read.refetch;
  const [name, setName] = createSignal('');
  const [bits, setBits] = createSignal(Permission.VIEW | Permission.SEND);
  const [target, setTarget] = createSignal('');
  const [roleId, setRoleId] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const mayGrant = (bit: number) => props.me.role === 'owner' || (bit !== Permission.ADMINISTRATOR && (props.me.bits & bit) !== 0);
  /** Members the user outranks: the only ones whose roles they may change. */
  const reachable = () => props.members.filter((m) => m.userId !== props.me.userId && RANK[props.me.role] > RANK[m.role]);
  const roleName = (id: string) => roles.latest?.find((r) => r.id === id)?.name ?? 'unknown role';

  const run = async (fn: () => Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      after?.();
      void refetch();
      props.onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const create = (e: Event) => {
    e.preventDefault();
    void run(
      () => createRole(props.communityId, { name: name(), permissions: bits() }),
      () => setName(''),
    );
  };
  const give = (e: Event) => {
    e.preventDefault();
    if (!target() || !roleId()) return setError(t('Choose a member and a role.'));
    void run(() => assignRole(props.communityId, target(), roleId()));
  };

  return (
    <Dialog open={props.open} title={t('Roles')} onClose={props.onClose}>
      <div class="roles-editor">
        <section aria-labelledby="roles-list-title">
          <h3 id="roles-list-title">{t('Custom roles')}</h3>
          <ReadFailure failure={read.failure()} retry={read.refetch} />
          <ul class="plain-list">
            <For each={roles.latest} fallback={<li class="muted">{t('No custom roles yet.')}</li>}>
              {(r: Role) => (
                <li class="role-row">
                  <div>
                    <strong>{r.name}</strong>
                    <span class="muted small-text"> {permissionNames(r.permissions).join(', ') || 'no permissions'}</span>
                  </div>
                  <button type="button" class="small danger" disabled={busy()} aria-label={t('Delete role {role}', { role: r.name })} onClick={() => void run(() => deleteRole(props.communityId, r.id))}>
                    {t('Delete')}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </section>

        <form onSubmit={create} aria-labelledby="role-new-title">
          <h3 id="role-new-title">{t('New role')}</h3>
          <label>
            {t('Role name')}
            <input name="roleName" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <fieldset class="permission-grid">
            <legend>{t('Permissions')}</legend>
            <For each={NAMES}>
              {(n) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name={`perm-${n}`}
                    checked={(bits() & Permission[n]) !== 0}
                    disabled={!mayGrant(Permission[n])}
                    onChange={(e) => setBits((b) => (e.currentTarget.checked ? b | Permission[n] : b & ~Permission[n]))}
                  />
                  {t(PERMISSION_LABELS[n])}
                </label>
              )}
            </For>
          </fieldset>
          <button type="submit" class="primary" disabled={busy()}>
            {t('Create role')}
          </button>
        </form>

        <form onSubmit={give} aria-labelledby="role-give-title">
          <h3 id="role-give-title">{t('Give a role')}</h3>
          <label>
            {t('Member')}
            <select name="roleMember" value={target()} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">{t('Choose a member')}</option>
              <For each={reachable()}>{(m) => <option value={m.userId}>{props.nameOf(m)}</option>}</For>
            </select>
          </label>
          <label>
            {t('Role')}
            <select name="roleToGive" value={roleId()} onChange={(e) => setRoleId(e.currentTarget.value)}>
              <option value="">{t('Choose a role')}</option>
              <For each={roles.latest}>{(r) => <option value={r.id}>{r.name}</option>}</For>
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy()}>
            {t('Give role')}
          </button>
        </form>

        <section aria-labelledby="role-held-title">
          <h3 id="role-held-title">{t('Who holds which role')}</h3>
          <ul class="plain-list">
            <For each={props.members.filter((m) => m.roles.length > 0)} fallback={<li class="muted">{t('Nobody holds a custom role.')}</li>}>
              {(m) => (
                <li class="role-row">
                  <span>{props.nameOf(m)}</span>
                  <span class="chips">
                    <For each={m.roles}>
                      {(id) => (
                        <span class="chip">
                          {roleName(id)}
                          <Show when={reachable().includes(m)}>
                            <button
                              type="button"
                              class="chip-remove"
                              disabled={busy()}
                              aria-label={t('Take {role} from {name}', { role: roleName(id), name: props.nameOf(m) })}
                              onClick={() => void run(() => unassignRole(props.communityId, m.userId, id))}
                            >
                              ×
                            </button>
                          </Show>
                        </span>
                      )}
                    </For>
                  </span>
                </li>
              )}
            </For>
          </ul>
        </section>
        <p class="error" role="alert">
          {error()}
        </p>
      </div>
    </Dialog>
  );
}
