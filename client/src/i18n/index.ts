/**
 * Every string a person reads goes through `t`: the English text is the key (so the source reads
 * as it shows), `{name}` placeholders are filled from `params`, and a message with a `count` picks
 * its plural form by Intl.PluralRules for the language on screen. English plural forms live in
 * en.ts; every other language is a complete catalogue (tests/i18n.test.ts checks that each key
 * used in the client has a translation). The language follows the user's choice (Settings →
 * Appearance), else the browser's first supported language; <html lang dir> follow it, so the
 * layout (written with logical CSS properties) turns right-to-left for Arabic.
 *
 * Only English ships with the app: another language's catalogue is a chunk of its own, loaded
 * before the first render for a reader of that language and when it is chosen in settings (the
 * Arabic one is 90 KB built, three quarters of the chunk every page started with).
 */
import { createSignal, untrack } from 'solid-js';
import { en } from './en';

/** A message: one text, or plural forms by Intl.PluralRules category (`other` always present). */
export type Message = string | ({ other: string } & Partial<Record<Intl.LDMLPluralRule, string>>);
export type Catalogue = Record<string, Message>;

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];
export type LanguageChoice = Language | 'auto';

const CATALOGUES: Partial<Record<Language, Catalogue>> = { en };
const LOADERS: Record<Language, () => Promise<Catalogue>> = {
  en: async () => en,
  ar: async () => (await import('./ar')).ar,
};

/** Loads `lang`'s catalogue, once; until it is here, `format` reads English. */
export async function loadLanguage(lang: Language): Promise<void> {
  CATALOGUES[lang] ??= await LOADERS[lang]();
}

/** Whether `lang` (another language than English, loaded) has its own text for `key`. */
export function translated(key: string, lang: Language = language()): boolean {
  return lang !== 'en' && key in (CATALOGUES[lang] ?? {});
}
const CHOICE_KEY = 'chatalot.language';

/** The first of the browser's languages we have, else English. */
export function browserLanguage(languages: readonly string[] = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language])): Language {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    const found = LANGUAGES.find((x) => x.code === base);
    if (found) return found.code;
  }
  return 'en';
}

function storedChoice(): LanguageChoice {
  try {
    const v = localStorage.getItem(CHOICE_KEY);
    return v === 'auto' || LANGUAGES.some((l) => l.code === v) ? (v as LanguageChoice) : 'auto';
  } catch {
    return 'auto';
  }
}

const [choice, setChoiceSignal] = createSignal<LanguageChoice>(storedChoice());
const [language, setLanguageSignal] = createSignal<Language>(choice() === 'auto' ? browserLanguage() : (choice() as Language));
export { choice as languageChoice, language };

/** The BCP 47 tag Intl formats dates, times and numbers with. */
export const locale = (): string => language();

/** Sets <html lang> and <html dir> for the language on screen. */
export function applyLanguage(lang: Language = language()): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = LANGUAGES.find((l) => l.code === lang)!.dir;
}

/** Chooses the language on this device ('auto': the browser's); the screen turns to it once its catalogue is here. */
export async function setLanguageChoice(next: LanguageChoice): Promise<void> {
  try {
    localStorage.setItem(CHOICE_KEY, next);
  } catch {
    // private mode: it holds for this page only
  }
  setChoiceSignal(next);
  const lang = next === 'auto' ? browserLanguage() : next;
  // Not loaded (offline before it was ever fetched): the screen turns anyway and reads English.
  await loadLanguage(lang).catch(() => undefined);
  if (untrack(choice) !== next) return; // chosen again meanwhile: that choice decides
  setLanguageSignal(lang);
  applyLanguage(lang);
}

const pluralRules = new Map<string, Intl.PluralRules>();
function pluralOf(lang: string, count: number): Intl.LDMLPluralRule {
  let r = pluralRules.get(lang);
  if (!r) pluralRules.set(lang, (r = new Intl.PluralRules(lang)));
  return r.select(count);
}

/** Picks the form for `count` and fills the placeholders; numbers are written the language's way. */
export function format(lang: Language, key: string, params: Record<string, string | number> = {}): string {
  const message = CATALOGUES[lang]?.[key] ?? en[key] ?? key;
  let text: string;
  if (typeof message === 'string') text = message;
  else {
    const count = typeof params.count === 'number' ? params.count : 0;
    text = message[pluralOf(lang, count)] ?? message.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? v.toLocaleString(lang) : v;
  });
}

/** The text for `key` (the English text) in the language on screen. Reactive: call it inside JSX or a memo. */
export function t(key: string, params?: Record<string, string | number>): string {
  return format(language(), key, params);
}

/** Marks a key that is translated later, where it is shown (`t(label)`): lists of options kept in constants. */
export const msg = (key: string): string => key;

/** Joins names the language's way ("Ann, Bob and Cy"). */
export const listFormat = (): Intl.ListFormat => new Intl.ListFormat(language(), { style: 'long', type: 'conjunction' });
