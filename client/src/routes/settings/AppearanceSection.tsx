/** Settings → appearance, stored on this device: theme, accent colour, density, font size, clock and message times. */
import { For } from 'solid-js';
import { ACCENTS, preferences, setPreference, type Preferences } from '../../stores/preferences';

function Choice<K extends keyof Preferences>(props: { name: K; legend: string; options: readonly { value: Preferences[K]; label: string }[] }) {
  return (
    <fieldset class="choice">
      <legend>{props.legend}</legend>
      <For each={props.options}>
        {(o) => (
          <label class="check">
            <input type="radio" name={props.name} checked={preferences()[props.name] === o.value} onChange={() => setPreference(props.name, o.value)} /> {o.label}
          </label>
        )}
      </For>
    </fieldset>
  );
}

export function AppearanceSection() {
  return (
    <section class="settings-card" aria-labelledby="appearance-title">
      <h3 id="appearance-title">Appearance</h3>
      <p class="muted">Saved on this device only.</p>
      <Choice name="theme" legend="Theme" options={[{ value: 'system', label: 'Follow the system' }, { value: 'light', label: 'Light' }, { value: 'dark', label: 'Dark' }]} />
      <fieldset class="choice accents">
        <legend>Accent colour</legend>
        <For each={ACCENTS}>
          {(a) => (
            <label class="swatch" data-swatch={a}>
              <input type="radio" name="accent" checked={preferences().accent === a} onChange={() => setPreference('accent', a)} />
              <span class="swatch-dot" aria-hidden="true" />
              <span class="swatch-name">{a[0]!.toUpperCase() + a.slice(1)}</span>
            </label>
          )}
        </For>
      </fieldset>
      <Choice name="density" legend="Message density" options={[{ value: 'comfortable', label: 'Comfortable' }, { value: 'compact', label: 'Compact' }]} />
      <Choice name="fontSize" legend="Font size" options={[{ value: 'small', label: 'Small' }, { value: 'medium', label: 'Medium' }, { value: 'large', label: 'Large' }]} />
      <Choice name="clock" legend="Time format" options={[{ value: '24h', label: '24-hour (14:05)' }, { value: '12h', label: '12-hour (2:05 PM)' }]} />
      <Choice name="times" legend="Message times" options={[{ value: 'relative', label: 'Relative while recent (5 minutes ago)' }, { value: 'absolute', label: 'Always the time and date' }]} />
    </section>
  );
}
