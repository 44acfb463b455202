/** Settings → appearance, stored on this device: theme, accent colour, density, font size, clock, message times, and how calls connect. */
import { LANGUAGES, languageChoice, msg, setLanguageChoice, t } from '../../i18n';
import { For } from 'solid-js';
import { ACCENTS, preferences, setPreference, type Preferences } from '../../stores/preferences';

function Choice<K extends keyof Preferences>(props: { name: K; legend: string; options: readonly { value: Preferences[K]; label: string }[] }) {
  return (
    <fieldset class="choice">
      <legend>{t(props.legend)}</legend>
      <For each={props.options}>
        {(o) => (
          <label class="check">
            <input type="radio" name={props.name} checked={preferences()[props.name] === o.value} onChange={() => setPreference(props.name, o.value)} /> {t(o.label)}
          </label>
        )}
      </For>
    </fieldset>
  );
}

const ACCENT_NAMES: Record<(typeof ACCENTS)[number], string> = {
  indigo: msg('Indigo'),
  blue: msg('Blue'),
  teal: msg('Teal'),
  green: msg('Green'),
  amber: msg('Amber'),
  orange: msg('Orange'),
  rose: msg('Rose'),
  violet: msg('Violet'),
};

export function AppearanceSection() {
  return (
    <section class="settings-card" aria-labelledby="appearance-title">
      <h3 id="appearance-title">{t('Appearance')}</h3>
      <p class="muted">{t('Saved on this device only.')}</p>
      <fieldset class="choice">
        <legend>{t('Language')}</legend>
        <label class="check">
          <input type="radio" name="language" checked={languageChoice() === 'auto'} onChange={() => void setLanguageChoice('auto')} /> {t('The browser’s language')}
        </label>
        <For each={LANGUAGES}>
          {(l) => (
            <label class="check" lang={l.code} dir={l.dir}>
              <input type="radio" name="language" checked={languageChoice() === l.code} onChange={() => void setLanguageChoice(l.code)} /> {l.name}
            </label>
          )}
        </For>
      </fieldset>
      <Choice name="theme" legend={msg('Theme')} options={[{ value: 'system', label: msg('Follow the system') }, { value: 'light', label: msg('Light') }, { value: 'dark', label: msg('Dark') }]} />
      <fieldset class="choice accents">
        <legend>{t('Accent colour')}</legend>
        <For each={ACCENTS}>
          {(a) => (
            <label class="swatch" data-swatch={a}>
              <input type="radio" name="accent" checked={preferences().accent === a} onChange={() => setPreference('accent', a)} />
              <span class="swatch-dot" aria-hidden="true" />
              <span class="swatch-name">{t(ACCENT_NAMES[a])}</span>
            </label>
          )}
        </For>
      </fieldset>
      <Choice name="density" legend={msg('Message density')} options={[{ value: 'comfortable', label: msg('Comfortable') }, { value: 'compact', label: msg('Compact') }]} />
      <Choice name="fontSize" legend={msg('Font size')} options={[{ value: 'small', label: msg('Small') }, { value: 'medium', label: msg('Medium') }, { value: 'large', label: msg('Large') }]} />
      <Choice name="clock" legend={msg('Time format')} options={[{ value: '24h', label: msg('24-hour (14:05)') }, { value: '12h', label: msg('12-hour (2:05 PM)') }]} />
      <Choice name="times" legend={msg('Message times')} options={[{ value: 'relative', label: msg('Relative while recent (5 minutes ago)') }, { value: 'absolute', label: msg('Always the time and date') }]} />
      <Choice
        name="callRelayOnly"
        legend={msg('Calls on this device')}
        options={[
          { value: false, label: msg('Connect directly when possible (fastest; the people you call can learn your IP address)') },
          { value: true, label: msg("Always relay through this server's TURN server (hides your IP address; needs TURN; slower)") },
        ]}
      />
      <Choice
        name="linkPreviews"
        legend={msg('Link previews when I send a link')}
        options={[
          { value: true, label: msg('Show a preview (this server fetches the page, so it sees the link; the people you send it to never contact the site)') },
          { value: false, label: msg('No previews (the server never sees the links you send)') },
        ]}
      />
      <Choice
        name="communityThemes"
        legend={msg('Community themes')}
        options={[
          { value: true, label: msg('Show the look a community chose for itself (colours and styles its admins set)') },
          { value: false, label: msg('Always use my own appearance') },
        ]}
      />
    </section>
  );
}
