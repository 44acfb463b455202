/**
 * Languages (issue 12 item 7): every string the client shows goes through the catalogue, and the
 * second language (Arabic) is complete. Keys are the English texts passed to `t`/`msg`; this
 * reads every client source file for them, and for text a person would read that bypasses them
 * (JSX text, aria-label/placeholder/title/alt literals).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ar } from '../client/src/i18n/ar';
import { en } from '../client/src/i18n/en';
import { browserLanguage, format, loadLanguage } from '../client/src/i18n/index';
import { ROOT } from '../scripts/build.mjs';

const SRC = join(ROOT, 'client/src');
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts') && !path.includes('/i18n/')) files.push(path);
  }
};
walk(SRC);
const unquote = (s: string) => s.replace(/\\(['"\\])/g, '$1');
const keys = new Map<string, string>();
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  for (const m of src.matchAll(/\b(?:t|msg)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)) keys.set(unquote(m[1] ?? m[2]!), relative(ROOT, f));
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (m: (typeof ar)[string]) => (typeof m === 'string' ? [m] : Object.values(m));

/** Text a person reads that is written straight into a component instead of through `t`. */
function untranslated(path: string): string[] {
  const src = readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
  const found: string[] = [];
  // JSX text: after an opening or closing tag (or fragment), up to the next tag or expression.
  for (const m of src.matchAll(/(?:<\/?[A-Za-z][\w.]*(?:\s[^<>]*)?>|<>)([^<>{}]*)(?=<|\{)/g)) {
    const text = m[1]!.trim();
    if (/[A-Za-z]{2,}/.test(text) && !/[=;`]|=>|&&|^\(|\(\w+:$/.test(text)) found.push(text);
  }
  // …and between an expression and a closing tag ("{count} members</p>").
  for (const m of src.matchAll(/\}([^<>{}]*)(?=<\/)/g)) {
    const text = m[1]!.trim();
    if (/[A-Za-z]{2,}/.test(text) && !/[=;()]|=>|&&/.test(text)) found.push(text);
  }
  for (const m of src.matchAll(/\b(aria-label|placeholder|title|alt)="([^"]*[A-Za-z]{2,}[^"]*)"/g)) found.push(`${m[1]}="${m[2]}"`);
  return found;
}
/** Written as is on purpose: the product's name, key names, and language names in their own script. */
const VERBATIM = new Set(['Chatalot', 'DM']);

describe('languages', () => {
  it('12.7: the client uses hundreds of catalogue keys, and Arabic translates every one', () => {
    expect(keys.size).toBeGreaterThan(300);
    const missing = [...keys].filter(([k]) => !(k in ar)).map(([k, f]) => `${f}: ${k}`);
    expect(missing).toEqual([]);
  });

  it('12.7: no text a person reads bypasses the catalogue', () => {
    const leaks = files.filter((f) => f.endsWith('.tsx')).flatMap((f) => untranslated(f).filter((x) => !VERBATIM.has(x)).map((x) => `${relative(ROOT, f)}: ${x}`));
    expect(leaks).toEqual([]);
  });

  it('12.7: translations keep every placeholder, and plural messages have every form the language uses', () => {
    const arCategories = new Intl.PluralRules('ar').resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(ar)) {
      for (const form of forms(message)) expect(placeholders(form).filter((p) => p !== 'count'), key).toEqual(placeholders(key).filter((p) => p !== 'count'));
      if (typeof message !== 'string') expect(Object.keys(message).sort(), key).toEqual([...arCategories].sort());
    }
    for (const [key, message] of Object.entries(en)) if (typeof message !== 'string') expect(Object.keys(message).sort(), key).toEqual(['one', 'other']);
  });

  it('12.7: plural rules pick the form by count, numbers are written the language’s way, and the browser’s language is the default', async () => {
    // Only English ships with the app; another catalogue is loaded when its language is chosen.
    expect(format('ar', '{count} members', { count: 2 })).toBe('2 members');
    await loadLanguage('ar');
    expect(format('en', '{count} members', { count: 1 })).toBe('1 member');
    expect(format('en', '{count} members', { count: 1200 })).toBe('1,200 members');
    expect(format('ar', '{count} members', { count: 1 })).toBe('عضو واحد');
    expect(format('ar', '{count} members', { count: 2 })).toBe('عضوان');
    // Digits as this runtime's Intl writes Arabic numbers (Arabic-Indic or Latin, by its CLDR data).
    const n = (x: number) => x.toLocaleString('ar');
    expect(format('ar', '{count} members', { count: 3 })).toBe(`${n(3)} أعضاء`);
    expect(format('ar', '{count} members', { count: 11 })).toBe(`${n(11)} عضوًا`);
    expect(format('ar', '{count} members', { count: 100 })).toBe(`${n(100)} عضو`);
    expect(format('ar', '{count} members', { count: 0 })).toBe('لا أعضاء');
    expect(format('ar', 'Welcome, {name}', { name: 'Nadia' })).toBe('أهلًا بك يا Nadia');
    expect(browserLanguage(['ar-EG', 'en'])).toBe('ar');
    expect(browserLanguage(['de-DE', 'en-GB'])).toBe('en');
    expect(browserLanguage(['fr'])).toBe('en');
  });
});

describe('refusals the server sends (issue 12 item 7)', () => {
  it('12.7: every server sentence the client translates is one the server still sends, word for word', async () => {
    const { KNOWN_ERRORS } = await import('../client/src/api/errorText');
    const sources: string[] = [];
    const collect = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) collect(path);
        else if (/\.ts$/.test(name) && !name.endsWith('.test.ts')) sources.push(readFileSync(path, 'utf8'));
      }
    };
    for (const dir of ['worker', 'protocol', 'durable-objects']) collect(join(ROOT, dir));
    sources.push(readFileSync(join(ROOT, 'client/src/api/http.ts'), 'utf8'));
    const all = sources.join('\n');
    expect(KNOWN_ERRORS.length).toBeGreaterThan(10);
    expect(KNOWN_ERRORS.filter((m) => !all.includes(`'${m}'`))).toEqual([]);
  });
});
