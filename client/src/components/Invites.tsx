/**
 * Letting people in: the form that makes an invite link, and the list of invites
 * with copy and revoke. Instance owners and admins may make links that also register new
 * accounts on an invite-only instance (a plain instance invite, or a community invite that
 * admits); everyone else's community invites are for people who already have an account here.
 */
import { locale, msg, t } from '../i18n';
import { createResource, createSignal, For, Show } from 'solid-js';
import {
  createInstanceInvite,
  createInvite,
  listCommunityInvites,
  listInstanceInvites,
  revokeCommunityInvite,
  revokeInstanceInvite,
  type Invite,
} from '../api/communities';
import { getAuthConfig } from '../api/auth';
import { joinHint } from '../routes/AuthScreens';
import { INVITED_KEY } from '../stores/checklist';
import { user } from '../stores/session';
import { errorText, useSubmit } from './useSubmit';
import { ReadFailure } from './ReadFailure';
import { readable } from '../api/readable';

const EXPIRY = [
  { label: msg('Never'), seconds: 0 },
  { label: msg('1 hour'), seconds: 3600 },
  { label: msg('1 day'), seconds: 86_400 },
  { label: msg('7 days'), seconds: 604_800 },
  { label: msg('30 days'), seconds: 2_592_000 },
];

export const inviteLink = (code: string) => `${location.origin}/#/join/${code}`;
export const mayInviteToInstance = () => user()?.instanceRole === 'owner' || user()?.instanceRole === 'admin';


/**
 * Makes an invite link. `communities` are those the user may invite to; an instance admin also
 * gets "only this instance" and, for a community, the choice to let new accounts register.
 */
export function InviteCreator(props: { communities: { id: string; name: string }[]; communityId?: string | null; onCreated?: (i: Invite) => void }) {
  const admin = mayInviteToInstance();
  const [target, setTarget] = createSignal(props.communityId ?? props.communities[0]?.id ?? '');
  const [admits, setAdmits] = createSignal(admin);
  const [maxUses, setMaxUses] = createSignal('');
  const [expiry, setExpiry] = createSignal('604800');
  const [made, setMade] = createSignal<Invite | null>(null);
  const [copied, setCopied] = createSignal(false);
  const f = useSubmit(
    async () => {
      const limits = { ...(maxUses() ? { maxUses: Number(maxUses()) } : {}), ...(Number(expiry()) > 0 ? { expiresInSeconds: Number(expiry()) } : {}) };
      return target() ? await createInvite(target(), { ...limits, ...(admin && admits() ? { admitsNewAccounts: true } : {}) }) : await createInstanceInvite(limits);
    },
    (invite) => {
      localStorage.setItem(INVITED_KEY(user()!.id), '1');
      setMade(invite);
      props.onCreated?.(invite);
    },
  );
  const copy = () =>
    void navigator.clipboard
      ?.writeText(inviteLink(made()!.code))
      .then(() => setCopied(true))
      .catch(() => undefined);
  return (
    <Show
      when={made()}
      fallback={
        <form onSubmit={f.submit} class="invite-form">
          <Show when={admin || props.communities.length > 1}>
            <label>
              {t('Invite to')}
              <select name="target" value={target()} onChange={(e) => setTarget(e.currentTarget.value)}>
                <For each={props.communities}>{(c) => <option value={c.id}>{c.name}</option>}</For>
                <Show when={admin}>
                  <option value="">{t('This instance only (no community)')}</option>
                </Show>
              </select>
            </label>
          </Show>
          <Show when={admin && target()}>
            <label class="check">
              <input type="checkbox" name="admitsNewAccounts" checked={admits()} onChange={(e) => setAdmits(e.currentTarget.checked)} />
              {t('People without an account may create one with this link')}
            </label>
          </Show>
          <label>
            {t('Maximum uses')} <span class="optional">{t('(empty: unlimited)')}</span>
            <input name="maxUses" type="number" min="1" max="100000" value={maxUses()} onInput={(e) => setMaxUses(e.currentTarget.value)} />
          </label>
          <label>
            {t('Expires after')}
            <select name="expiry" value={expiry()} onChange={(e) => setExpiry(e.currentTarget.value)}>
              <For each={EXPIRY}>{(x) => <option value={String(x.seconds)}>{t(x.label)}</option>}</For>
            </select>
          </label>
          <p class="error" role="alert">
            {f.error()}
          </p>
          <button type="submit" class="primary" disabled={f.busy()}>
            {f.busy() ? t('Creating…') : t('Create invite link')}
          </button>
        </form>
      }
    >
      {(i) => (
        <div class="invite-made">
          <label>
            {t('Invite link')}
            <input readOnly name="inviteLink" value={inviteLink(i().code)} data-testid="invite-link" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <label>
            {t('Invite code')}
            <input readOnly name="inviteCode" value={i().code} data-testid="invite-code" />
          </label>
          <p class="muted">
            {i().maxUses ? t('Up to {count} uses', { count: i().maxUses! }) : t('Unlimited uses')} · {i().expiresAt ? t('expires {when}', { when: new Date(i().expiresAt!).toLocaleString(locale()) }) : t('never expires')} ·{' '}
            {i().communityId === null ? t('It lets someone create an account here.') : i().admitsNewAccounts ? t('New people can create an account with it and join at once.') : t('It is for people who already have an account here.')}
          </p>
          <button type="button" class="primary" onClick={copy}>
            {copied() ? t('Link copied') : t('Copy link')}
          </button>
        </div>
      )}
    </Show>
  );
}

const stateText = (s: Invite['state']): string => ({ active: t('Active'), revoked: t('Revoked'), expired: t('Expired'), used_up: t('Used up') })[s];

/**
 * Settings → Invites: the instance's invites (owners and admins) and the admitting invites of the
 * user's communities, each with its uses, expiry and state; copy and revoke.
 */
export function InvitesSection(props: { communities: { id: string; name: string }[] }) {
  const admin = mayInviteToInstance();
  const read = readable(async () => {
    const own = admin ? (await listInstanceInvites()).invites : [];
    const perCommunity = await Promise.all(
      props.communities.map((c) =>
        listCommunityInvites(c.id).then(
          (r) => r.invites.map((i) => ({ ...i, communityName: c.name })),
          () => [],
        ),
      ),
    );
    return [...own.map((i) => ({ ...i, communityName: null as string | null })), ...perCommunity.flat()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  });
  const list = read.value;
  const refetch = read.refetch;
  const [config] = createResource(() => getAuthConfig().catch(() => null));
  const [error, setError] = createSignal<string | null>(null);
  const revoke = async (i: Invite) => {
    setError(null);
    try {
      await (i.communityId === null ? revokeInstanceInvite(i.code) : revokeCommunityInvite(i.communityId, i.code));
      await refetch();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="invites-title">
      <h3 id="invites-title">{t('Invites')}</h3>
      <p class="muted" data-testid="join-hint">{joinHint(config()?.registrationMode)}</p>
      <Show when={admin || props.communities.length > 0}>
        <details class="invite-new">
          <summary>{t('New invite link')}</summary>
          <InviteCreator communities={props.communities} onCreated={() => void refetch()} />
        </details>
      </Show>
      <p class="error" role="alert">
        {error()}
      </p>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <Show when={(list.latest ?? []).length > 0} fallback={<p class="muted">{list.loading ? t('Loading…') : t('No invites yet.')}</p>}>
        <table class="invite-table">
          <thead>
            <tr>
              <th scope="col">{t('Link')}</th>
              <th scope="col">{t('For')}</th>
              <th scope="col">{t('Uses')}</th>
              <th scope="col">{t('Expires')}</th>
              <th scope="col">{t('State')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('Actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={list.latest}>
              {(i) => (
                <tr data-testid="invite-row">
                  <td>
                    <code>{i.code}</code>
                  </td>
                  <td>{i.communityName ? (i.admitsNewAccounts ? t('{community} (new accounts too)', { community: i.communityName }) : i.communityName) : t('This instance')}</td>
                  <td>{i.maxUses ? `${i.uses} / ${i.maxUses}` : String(i.uses)}</td>
                  <td>{i.expiresAt ? new Date(i.expiresAt).toLocaleDateString(locale()) : t('Never')}</td>
                  <td>{stateText(i.state)}</td>
                  <td class="invite-actions">
                    <Show when={i.state === 'active'}>
                      <button type="button" class="small" aria-label={t('Copy link {code}', { code: i.code })} onClick={() => void navigator.clipboard?.writeText(inviteLink(i.code)).catch(() => undefined)}>
                        {t('Copy')}
                      </button>
                      <button type="button" class="small danger" aria-label={t('Revoke {code}', { code: i.code })} onClick={() => void revoke(i)}>
                        {t('Revoke')}
                      </button>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  );
}
