/**
 * Settings: profile, security (2FA, password, recovery code, delete account), sessions, devices,
 * appearance, invites. Each section is a route (`#/settings/<section>`) so it can be linked and the back
 * button works; the section nav marks the current one.
 */
import { msg, t } from '../../i18n';
import { createEffect, For, Match, Switch } from 'solid-js';
import type { Engine } from '../../e2ee/Engine';
import '../../styles/settings.css';
import { AppearanceSection } from './AppearanceSection';
import { DevicesSection } from './DevicesSection';
import { ProfileImagesCard, ProfileSection, ReadReceiptsCard, StorageCard } from './ProfileSection';
import { SecuritySection } from './SecuritySection';
import { SessionsSection } from './SessionsSection';
import { InvitesSection, mayInviteToInstance } from '../../components/Invites';
import { UsersSection } from './UsersSection';
import { AuditSection } from './AuditSection';
import { FeedbackSection, InstanceSection } from './InstanceSection';
import { BlockedCard, blocksOf } from '../../components/moderation/Blocks';
import { user } from '../../stores/session';
import { NotificationsSection } from './NotificationsSection';
import { DataSection } from './DataSection';
import { ReportsSection } from '../../components/moderation/ReportQueue';
import { AnnouncementsSection } from '../../components/moderation/Announcements';

const SECTIONS = [
  { id: 'profile', title: msg('Profile') },
  { id: 'security', title: msg('Security') },
  { id: 'sessions', title: msg('Sessions') },
  { id: 'devices', title: msg('Devices') },
  { id: 'appearance', title: msg('Appearance') },
  { id: 'notifications', title: msg('Notifications') },
  { id: 'data', title: msg('Your data') },
  { id: 'invites', title: msg('Invites') },
  { id: 'feedback', title: msg('Feedback') },
  { id: 'users', title: msg('Users'), admin: true },
  { id: 'reports', title: msg('Reports'), admin: true },
  { id: 'announcements', title: msg('Announcements'), admin: true },
  { id: 'audit', title: msg('Audit log'), admin: true },
  { id: 'instance', title: msg('Instance'), admin: true },
] as const;

export default function SettingsScreen(props: { section: string; engine: Engine | undefined; invitable: { id: string; name: string }[] }) {
  /** The sections this account may open: the admin panel is for the instance's owner and admins, while not quarantined. */
  const sections = () => SECTIONS.filter((s) => !('admin' in s) || (mayInviteToInstance() && !user()?.quarantine));
  const current = () => (sections().some((s) => s.id === props.section) ? props.section : 'profile');
  createEffect(() => blocksOf(user()?.id ?? null));
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">{t('Settings')}</h2>
      <nav class="settings-nav" aria-label={t('Settings sections')}>
        <ul>
          <For each={sections()}>
            {(s) => (
              <li>
                <a href={`#/settings/${s.id}`} aria-current={current() === s.id ? 'page' : undefined}>
                  {t(s.title)}
                </a>
              </li>
            )}
          </For>
        </ul>
      </nav>
      <div class="settings-body">
        <Switch>
          <Match when={current() === 'profile'}>
            <ProfileSection />
            <ProfileImagesCard />
            <ReadReceiptsCard engine={props.engine} />
            <StorageCard />
            <BlockedCard />
          </Match>
          <Match when={current() === 'security'}>
            <SecuritySection engine={props.engine} />
          </Match>
          <Match when={current() === 'sessions'}>
            <SessionsSection />
          </Match>
          <Match when={current() === 'devices'}>
            <DevicesSection engine={props.engine} />
          </Match>
          <Match when={current() === 'appearance'}>
            <AppearanceSection />
          </Match>
          <Match when={current() === 'notifications'}>
            <NotificationsSection />
          </Match>
          <Match when={current() === 'data'}>
            <DataSection />
          </Match>
          <Match when={current() === 'invites'}>
            <InvitesSection communities={props.invitable} />
          </Match>
          <Match when={current() === 'users'}>
            <UsersSection />
          </Match>
          <Match when={current() === 'reports'}>
            <ReportsSection />
          </Match>
          <Match when={current() === 'announcements'}>
            <AnnouncementsSection />
          </Match>
          <Match when={current() === 'audit'}>
            <AuditSection />
          </Match>
          <Match when={current() === 'instance'}>
            <InstanceSection />
          </Match>
          <Match when={current() === 'feedback'}>
            <FeedbackSection />
          </Match>
        </Switch>
      </div>
    </section>
  );
}
