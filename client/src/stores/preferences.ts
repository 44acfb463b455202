/**
 * Per-device appearance preferences: theme, accent colour, message density, font size, the
 * clock, and whether message times read relative ("5 minutes ago") or absolute. Stored in
 * localStorage (nothing here is secret, and it should survive sign-out) and applied as data
 * attributes on <html>, which the stylesheets key on.
 */
import { createSignal } from 'solid-js';

export const ACCENTS = ['indigo', 'blue', 'teal', 'green', 'amber', 'orange', 'rose', 'violet'] as const;
export type Accent = (typeof ACCENTS)[number];

export interface Preferences {
  theme: 'system' | 'light' | 'dark';
  accent: Accent;
  density: 'comfortable' | 'compact';
  fontSize: 'small' | 'medium' | 'large';
  clock: '12h' | '24h';
  times: 'relative' | 'absolute';
  /**
   * Calls: relay every packet through the TURN server (`iceTransportPolicy: "relay"`), so the
   * people you call never learn your IP address (at some cost in latency). Needs TURN configured.
   */
  callRelayOnly: boolean;
}

const KEY = 'chatalot.preferences';
export const DEFAULT_PREFERENCES: Preferences = { theme: 'system', accent: 'indigo', density: 'comfortable', fontSize: 'medium', clock: '24h', times: 'relative', callRelayOnly: false };

function load(): Preferences {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    const p = { ...DEFAULT_PREFERENCES, ...stored };
    if (!ACCENTS.includes(p.accent)) p.accent = DEFAULT_PREFERENCES.accent;
    if (p.times !== 'relative' && p.times !== 'absolute') p.times = DEFAULT_PREFERENCES.times;
    if (typeof p.callRelayOnly !== 'boolean') p.callRelayOnly = DEFAULT_PREFERENCES.callRelayOnly;
    return p;
  } catch {
    return { ...DEFAULT_PREFERENCES };
  }
}

const [preferences, setPreferencesSignal] = createSignal<Preferences>(load());
export { preferences };

/** Writes the preferences onto <html> so CSS can follow them. */
export function applyPreferences(p: Preferences = preferences()): void {
  const el = document.documentElement;
  el.dataset.theme = p.theme;
  el.dataset.accent = p.accent;
  el.dataset.density = p.density;
  el.dataset.fontSize = p.fontSize;
}

export function setPreference<K extends keyof Preferences>(key: K, value: Preferences[K]): void {
  const next = { ...preferences(), [key]: value };
  localStorage.setItem(KEY, JSON.stringify(next));
  setPreferencesSignal(next);
  applyPreferences(next);
}
