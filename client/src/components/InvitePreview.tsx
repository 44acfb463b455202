/**
 * What an invite link leads to, shown before anyone accepts it (also before signing in): the
 * community with its initials and member count and who invited you, or why the link no longer
 * works. Reads GET /api/auth/invites/{code}, which never uses the invite.
 */
import { createResource, Show } from 'solid-js';
import { previewInvite, type InvitePreview } from '../api/communities';
import { Avatar } from './Avatar';

/** What an invite link leads to, before accepting it: the community, its size, who invited you. */
export function InvitePreviewCard(props: { code: string; onLoaded?: (p: InvitePreview | null) => void }) {
  const [preview] = createResource(
    () => props.code,
    (code) =>
      previewInvite(code).then(
        (p) => (props.onLoaded?.(p), p),
        () => (props.onLoaded?.(null), null),
      ),
  );
  const inviter = () => preview()?.invitedBy?.displayName || preview()?.invitedBy?.username;
  return (
    <div class="invite-preview" data-testid="invite-preview">
      <Show when={!preview.loading} fallback={<p role="status">Reading the invite…</p>}>
        <Show when={preview()} fallback={<p class="error" role="alert">This invite link does not exist on this instance.</p>}>
          {(p) => (
            <Show
              when={p().state === 'active'}
              fallback={
                <p class="error" role="alert">
                  {p().state === 'expired' ? 'This invite has expired.' : p().state === 'revoked' ? 'This invite was revoked.' : 'This invite has been used up.'} Ask for a new one.
                </p>
              }
            >
              <Show
                when={p().community}
                fallback={
                  <p>
                    <strong>{inviter() ?? 'Someone'}</strong> invited you to this Chatalot instance.
                  </p>
                }
              >
                {(c) => (
                  <div class="invite-community">
                    <Avatar id={c().id} name={c().name} size="large" />
                    <div>
                      <p class="invite-by">{inviter() ? `${inviter()} invited you to join` : 'You are invited to join'}</p>
                      <p class="invite-name">{c().name}</p>
                      <p class="muted">{c().memberCount === 1 ? '1 member' : `${c().memberCount} members`}</p>
                    </div>
                  </div>
                )}
              </Show>
            </Show>
          )}
        </Show>
      </Show>
    </div>
  );
}

