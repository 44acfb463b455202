/**
 * Settings: profile, security (2FA, sessions, password, recovery code, delete account),
 * devices and key backup, appearance. Sections are routes: `#/settings/<section>`.
 * (Being built in this session; the sections land one by one.)
 */
import type { Engine } from '../../e2ee/Engine';
import { DevicesSection } from './DevicesSection';

export default function SettingsScreen(props: { section: string; engine: Engine | undefined }) {
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <DevicesSection engine={props.engine} />
    </section>
  );
}
