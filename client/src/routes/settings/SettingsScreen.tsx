/**
 * Settings: profile, security (2FA, password, recovery code, delete account), sessions, devices,
 * appearance, invites. Each section is a route (`#/settings/<section>`) so it can be linked and the back
 * button works; the section nav marks the current one.
 */
import { For, Match, Switch } from 'solid-js';
import type { Engine } from '../../e2ee/Engine';
import '../../styles/settings.css';
import { AppearanceSection } from './AppearanceSection';
import { DevicesSection } from './DevicesSection';
import { ProfileSection, ReadReceiptsCard } from './ProfileSection';
import { SecuritySection } from './SecuritySection';
import { SessionsSection } from './SessionsSection';
import { InvitesSection } from '../../components/Invites';

const SECTIONS = [
  { id: 'profile', title: 'Profile' },
  { id: 'security', title: 'Security' },
  { id: 'sessions', title: 'Sessions' },
  { id: 'devices', title: 'Devices' },
  { id: 'appearance', title: 'Appearance' },
  { id: 'invites', title: 'Invites' },
] as const;

export default function SettingsScreen(props: { section: string; engine: Engine | undefined; invitable: { id: string; name: string }[] }) {
  const current = () => (SECTIONS.some((s) => s.id === props.section) ? props.section : 'profile');
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <nav class="settings-nav" aria-label="Settings sections">
        <ul>
          <For each={SECTIONS}>
            {(s) => (
              <li>
                <a href={`#/settings/${s.id}`} aria-current={current() === s.id ? 'page' : undefined}>
                  {s.title}
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
            <ReadReceiptsCard engine={props.engine} />
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
          <Match when={current() === 'invites'}>
            <InvitesSection communities={props.invitable} />
          </Match>
        </Switch>
      </div>
    </section>
  );
}
