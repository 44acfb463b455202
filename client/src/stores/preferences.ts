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
  /** Calls: the microphone, camera and speaker picked on this device ('' = the system default). */
  microphoneId: string;
  cameraId: string;
  speakerId: string;
  /** Calls: the call view's background, one of CALL_BACKGROUNDS or 'custom' (the picture kept beside the preferences). */
  callBackground: CallBackground;
  /**
   * Link previews (issue #15): when sending a link, ask this instance for the page's title and
   * description and send them encrypted with the message. Off: the instance never sees the link.
   */
  linkPreviews: boolean;
  /** Community themes (issue #16 item 8): apply a community's custom CSS (sanitized by the server) while in it. */
  communityThemes: boolean;
}

/** The preset call backgrounds (client/src/styles/calls.css draws them). */
export const CALL_BACKGROUNDS = ['none', 'dusk', 'forest', 'ocean', 'sunrise', 'slate', 'aurora'] as const;
export type CallBackground = (typeof CALL_BACKGROUNDS)[number] | 'custom';

const KEY = 'chatalot.preferences';
export const DEFAULT_PREFERENCES: Preferences = { theme: 'system', accent: 'indigo', density: 'comfortable', fontSize: 'medium', clock: '24h', times: 'relative', callRelayOnly: false, microphoneId: '', cameraId: '', speakerId: '', callBackground: 'none', linkPreviews: true, communityThemes: true };

function load(): Preferences {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    const p = { ...DEFAULT_PREFERENCES, ...stored };
    if (!ACCENTS.includes(p.accent)) p.accent = DEFAULT_PREFERENCES.accent;
    if (p.times !== 'relative' && p.times !== 'absolute') p.times = DEFAULT_PREFERENCES.times;
    if (typeof p.callRelayOnly !== 'boolean') p.callRelayOnly = DEFAULT_PREFERENCES.callRelayOnly;
    if (typeof p.linkPreviews !== 'boolean') p.linkPreviews = DEFAULT_PREFERENCES.linkPreviews;
    if (typeof p.communityThemes !== 'boolean') p.communityThemes = DEFAULT_PREFERENCES.communityThemes;
    for (const k of ['microphoneId', 'cameraId', 'speakerId'] as const) if (typeof p[k] !== 'string') p[k] = '';
    if (p.callBackground !== 'custom' && !CALL_BACKGROUNDS.includes(p.callBackground)) p.callBackground = 'none';
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

const CUSTOM_BACKGROUND_KEY = 'chatalot.callBackground';
/** Most characters of the custom call background kept on this device (a re-encoded JPEG data URL). */
export const MAX_CUSTOM_BACKGROUND_CHARS = 1_500_000;
const [customBackground, setCustomBackgroundSignal] = createSignal<string | null>(localStorage.getItem(CUSTOM_BACKGROUND_KEY));
/** The custom call background of this device (a data: URL of a picture it chose), or null. */
export { customBackground };

/** Keeps `dataUrl` as this device's custom call background and selects it. */
export function setCustomBackground(dataUrl: string): void {
  if (!dataUrl.startsWith('data:image/') || dataUrl.length > MAX_CUSTOM_BACKGROUND_CHARS) throw new Error('the picture is too large');
  localStorage.setItem(CUSTOM_BACKGROUND_KEY, dataUrl);
  setCustomBackgroundSignal(dataUrl);
  setPreference('callBackground', 'custom');
}
