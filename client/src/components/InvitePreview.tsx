/**
 * What an invite link leads to, shown before anyone accepts it (also before signing in): the
 * community with its initials and member count and who invited you, or why the link no longer
 * works. Reads GET /api/auth/invites/{code}, which never uses the invite.
 */
import { t } from '../i18n';
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
      <Show when={!preview.loading} fallback={<p role="status">{t('Reading the invite…')}</p>}>
        <Show when={preview()} fallback={<p class="error" role="alert">{t('This invite link does not exist on this instance.')}</p>}>
          {(p) => (
            <Show
              when={p().state === 'active'}
              fallback={
                <p class="error" role="alert">
                  {p().state === 'expired' ? t('This invite has expired.') : p().state === 'revoked' ? t('This invite was revoked.') : t('This invite has been used up.')} {t('Ask for a new one.')}
                </p>
              }
            >
              <Show
                when={p().community}
                fallback={
                  <p>
                    {inviter() ? t('{name} invited you to this Chatalot instance.', { name: inviter()! }) : t('You are invited to this Chatalot instance.')}
                  </p>
                }
              >
                {(c) => (
                  <div class="invite-community">
                    <Avatar id={c().id} name={c().name} size="large" image={c().iconId} />
                    <div>
                      <p class="invite-by">{inviter() ? t('{name} invited you to join', { name: inviter()! }) : t('You are invited to join')}</p>
                      <p class="invite-name">{c().name}</p>
                      <p class="muted">{t('{count} members', { count: c().memberCount })}</p>
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

