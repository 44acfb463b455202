/**
 * The second column: in a community, its groups and channels with unread and mention badges and
 * a menu of what the user may do there (invite, create a channel or group, roles, leave); at
 * home, the direct and group conversations with the same badges and the other person's presence.
 * At the bottom, who is signed in. Which actions appear follows the user's community bits; the
 * server still decides. It draws what it is given and reports actions through `onAction`.
 */
import { t } from '../i18n';
import { For, Show, type JSX } from 'solid-js';
import { Icon } from './Icon';
import type { PresenceState } from '../../../protocol/hub';
import { Permission } from '../../../protocol/permissions';
import type { Channel, CommunityView, Dm } from '../api/communities';
import { unreadLabel, UnreadBadge, type Counts } from './UnreadBadge';
import { imageUrl } from '../api/images';

export type SidebarAction = 'invite' | 'channel' | 'group' | 'roles' | 'appearance' | 'emoji' | 'import' | 'reports' | 'report-community' | 'leave' | 'dm';

interface Common {
  channelId: string | null;
  countsOf: (channelId: string) => Counts | undefined;
  onAction: (action: SidebarAction) => void;
}

/** A conversation link with its badges; the accessible name says the counts in words. */
function ConversationLink(props: { href: string; name: string; shown: JSX.Element; active: boolean; counts: Counts | undefined; presence?: PresenceState; icon?: string | null; accent?: string | null }) {
  return (
    <a
      href={props.href}
      classList={{ active: props.active, unread: (props.counts?.unread ?? 0) > 0, 'has-accent': !!props.accent }}
      style={props.accent ? { '--community-accent': props.accent } : undefined}
      aria-current={props.active ? 'page' : undefined}
    >
      <Show when={props.icon}>{(id) => <img class="conversation-icon" src={imageUrl(id())} alt="" width="20" height="20" />}</Show>
      <Show when={props.presence}>
        <span class={`presence presence-${props.presence}`} aria-hidden="true" />
      </Show>
      {/* The shown name ("# general") is drawn for the eye; the hidden text says the name and the
          counts in words. No aria-label: one that leaves out visible text fails WCAG 2.5.3. */}
      <span class="conversation-name" aria-hidden="true">{props.shown}</span>
      <span class="conversation-label visually-hidden">{unreadLabel(props.name, props.counts)}</span>
      <UnreadBadge counts={props.counts} />
    </a>
  );
}

export function CommunitySidebar(
  props: Common & {
    community: CommunityView | null | undefined;
    onChannelSettings: (ch: Channel) => void;
    /** Who is in each voice channel's call now (issue #14), and their names. */
    voiceUsers?: (channelId: string) => string[];
    nameOf?: (userId: string) => string;
  },
) {
  const can = (bit: number) => ((props.community?.permissions ?? 0) & (bit | Permission.ADMINISTRATOR)) !== 0;
  const manage = () => can(Permission.MANAGE_CHANNELS);
  const live = () => (props.community?.channels ?? []).filter((c) => !c.archived && (c.kind === 'text' || c.kind === 'voice'));
  const archived = () => (props.community?.channels ?? []).filter((c) => c.archived);
  const inGroup = (groupId: string | null) => live().filter((c) => c.groupId === groupId).sort((a, b) => a.position - b.position);
  const groups = () => [...(props.community?.groups ?? [])].sort((a, b) => a.position - b.position);
  let menu!: HTMLDetailsElement;
  /** Runs a menu action and folds the menu away again. */
  const act = (action: SidebarAction) => {
    menu.open = false;
    props.onAction(action);
  };

  const channelList = (channels: Channel[]) => (
    <ul class="channel-list">
      <For each={channels}>
        {(ch) => (
          <li classList={{ 'with-tools': manage() }}>
            <ConversationLink href={`#/c/${ch.communityId}/${ch.id}`} name={ch.name} shown={ch.kind === 'voice' ? <><Icon name="speaker" /> {ch.name}</> : `# ${ch.name}`} active={props.channelId === ch.id} counts={props.countsOf(ch.id)} />
            <Show when={ch.kind === 'voice' && (props.voiceUsers?.(ch.id).length ?? 0) > 0}>
              <ul class="voice-roster" aria-label={t('In the call in {channel}', { channel: ch.name })} data-testid="voice-roster">
                <For each={props.voiceUsers!(ch.id)}>{(id) => <li>{props.nameOf?.(id) ?? id}</li>}</For>
              </ul>
            </Show>
            <Show when={manage()}>
              <button type="button" class="icon-button row-tool" aria-label={t('Settings for #{channel}', { channel: ch.name })} title={t('Channel settings')} onClick={() => props.onChannelSettings(ch)}>
                ⚙
              </button>
            </Show>
          </li>
        )}
      </For>
    </ul>
  );

  return (
    <>
      <Show when={props.community?.community.bannerId}>
        {(id) => <img class="community-banner" src={imageUrl(id())} alt="" width="960" height="320" />}
      </Show>
      <div class="sidebar-head" classList={{ 'has-accent': !!props.community?.community.accent }} style={props.community?.community.accent ? { '--community-accent': props.community.community.accent } : undefined}>
        <h2>{props.community?.community.name ?? '…'}</h2>
        <Show when={can(Permission.MANAGE_INVITES)}>
          <button type="button" class="small" onClick={() => props.onAction('invite')}>
            {t('Invite')}
          </button>
        </Show>
      </div>
      <details class="menu" ref={menu}>
        <summary>{t('Community menu')}</summary>
        <div class="menu-items">
          <Show when={manage()}>
            <button type="button" onClick={() => act('channel')}>
              {t('Create channel')}
            </button>
            <button type="button" onClick={() => act('group')}>
              {t('Create group')}
            </button>
          </Show>
          <Show when={can(Permission.MANAGE_ROLES)}>
            <button type="button" onClick={() => act('roles')}>
              {t('Roles')}
            </button>
          </Show>
          <Show when={can(Permission.ADMINISTRATOR)}>
            <button type="button" onClick={() => act('appearance')}>
              {t('Appearance')}
            </button>
            <button type="button" onClick={() => act('import')}>
              {t('Import from Discord…')}
            </button>
          </Show>
          <Show when={can(Permission.MANAGE_EMOJI)}>
            <button type="button" onClick={() => act('emoji')}>
              {t('Emoji')}
            </button>
          </Show>
          <Show when={can(Permission.MANAGE_MESSAGES | Permission.KICK | Permission.BAN | Permission.TIMEOUT)}>
            <button type="button" onClick={() => act('reports')}>
              {t('Reports')}
            </button>
          </Show>
          <Show when={props.community?.role !== 'owner'}>
            <button type="button" onClick={() => act('report-community')}>
              {t('Report community…')}
            </button>
            <button type="button" class="danger" onClick={() => act('leave')}>
              {t('Leave community')}
            </button>
          </Show>
        </div>
      </details>
      <For each={groups()}>
        {(g) => (
          <Show when={inGroup(g.id).length > 0 || manage()}>
            <section class="group" aria-label={g.name}>
              <h3>{g.name}</h3>
              {channelList(inGroup(g.id))}
            </section>
          </Show>
        )}
      </For>
      <Show when={inGroup(null).length > 0}>
        <section class="group" aria-label={t('Other channels')}>
          <h3>{t('Other')}</h3>
          {channelList(inGroup(null))}
        </section>
      </Show>
      <Show when={archived().length > 0}>
        <section class="group archived" aria-label={t('Archived channels')}>
          <h3>{t('Archived')}</h3>
          {channelList(archived())}
        </section>
      </Show>
    </>
  );
}

export function DmSidebar(
  props: Common & { dms: Dm[] | undefined; requests?: Dm[] | undefined; me: string; titleOf: (dm: Dm) => string; presenceOf: (userId: string) => PresenceState },
) {
  const other = (dm: Dm) => (dm.kind === 'dm' ? dm.memberIds.find((id) => id !== props.me) : undefined);
  return (
    <>
      <div class="sidebar-head">
        <h2>{t('Direct messages')}</h2>
        <button type="button" class="icon-button" aria-label={t('New direct message')} title={t('New direct message')} onClick={() => props.onAction('dm')}>
          +
        </button>
      </div>
      <ul class="channel-list">
        <For each={props.dms} fallback={<li class="muted">{t('No conversations yet.')}</li>}>
          {(dm) => (
            <li>
              <ConversationLink
                href={`#/dm/${dm.id}`}
                name={props.titleOf(dm)}
                shown={props.titleOf(dm)}
                active={props.channelId === dm.id}
                counts={props.countsOf(dm.id)}
                presence={other(dm) ? props.presenceOf(other(dm)!) : undefined}
                icon={dm.iconId}
                accent={dm.accent}
              />
            </li>
          )}
        </For>
      </ul>
      <Show when={(props.requests ?? []).length > 0}>
        <h3 class="sidebar-subhead" id="dm-requests-title">{t('Message requests')}</h3>
        <ul class="channel-list" aria-labelledby="dm-requests-title">
          <For each={props.requests}>
            {(dm) => (
              <li>
                <ConversationLink href={`#/dm/${dm.id}`} name={props.titleOf(dm)} shown={props.titleOf(dm)} active={props.channelId === dm.id} counts={props.countsOf(dm.id)} />
              </li>
            )}
          </For>
        </ul>
      </Show>
    </>
  );
}
