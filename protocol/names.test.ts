/** cleanName and the name schemas built on it (SECURITY-TESTS I5): what is removed, what is kept. */
import * as v from 'valibot';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanName, CleanText, NameField } from './names';
import { DeviceName } from './auth';
import { CreateCommunityRequest, BanRequest } from './communities';
import { RegisterDeviceRequest } from './keys';

describe('cleanName', () => {
  it('I5: removes NUL and other controls, zero-width and bidi characters', () => {
    expect(cleanName('Ev\u0000il')).toBe('Evil');
    expect(cleanName('gnp\u202E.exe')).toBe('gnp.exe');
    expect(cleanName('ad\u200Bmin')).toBe('admin');
    for (const hidden of ['\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF', '\u061C', '\u0007', '\u007F', '\u009B']) {
      expect(cleanName(`a${hidden}b`), hidden.codePointAt(0)!.toString(16)).toBe('ab');
    }
  });

  it('I5: removes other default-ignorables that hide text: soft hyphen, tags, variation selectors, Hangul fillers', () => {
    expect(cleanName('pay\u00ADpal')).toBe('paypal');
    expect(cleanName('hi\u{E0041}\u{E0042}\u{E007F}')).toBe('hi');
    expect(cleanName('a\uFE00\u{E0100}b')).toBe('ab');
    expect(cleanName('\u3164\u115F\u1160\uFFA0x')).toBe('x');
  });

  it('I5: line breaks and white-space runs become one space; the ends are trimmed; blank-looking names are empty', () => {
    expect(cleanName('  Book\t\tclub\r\nnews\u2028 ')).toBe('Book club news');
    expect(cleanName('a\u00A0\u3000b')).toBe('a b');
    for (const blank of ['', '   ', '\u200B\u200B', '\u202E', '\u0000', '\u2800\u2800', '\u3164', ' \u200D\uFEFF ']) expect(cleanName(blank)).toBe('');
  });

  it('keeps every script, composes to NFC', () => {
    expect(cleanName('Café')).toBe('Café');
    expect(cleanName('Cafe\u0301')).toBe('Caf\u00E9');
    for (const name of ['Книжный клуб', 'نادي الكتاب', 'מועדון', '読書会', 'हिन्दी']) expect(cleanName(name)).toBe(name);
  });

  it('keeps emoji sequences: VS16 after a pictograph, ZWJ between pictographs; strips them elsewhere', () => {
    for (const emoji of ['❤️', '👩‍💻', '👩🏽‍💻', '🏳️‍🌈', '👨‍👩‍👧']) expect(cleanName(`Team ${emoji}`)).toBe(`Team ${emoji}`);
    expect(cleanName('a\uFE0Fb')).toBe('ab');
    expect(cleanName('a\u200D👩')).toBe('a👩');
    expect(cleanName('👩\u200Db')).toBe('👩b');
  });

  it('is idempotent and leaves nothing it would remove', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = cleanName(s);
        expect(cleanName(once)).toBe(once);
        expect(once).not.toMatch(/[\p{Cc}\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C]/u);
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/\s\s/);
      }),
    );
  });
});

describe('name schemas', () => {
  it('I5: NameField stores the cleaned name and refuses one with nothing visible, naming the field', () => {
    expect(v.parse(CreateCommunityRequest, { name: '  Evil\u0000\u202E corp\u200B ' })).toEqual({ name: 'Evil corp' });
    const r = v.safeParse(NameField(100, 'name'), '\u200B\u202E\u0000');
    expect(r.success).toBe(false);
    expect(r.issues?.[0].message).toBe('name must contain at least one visible character');
  });

  it('length is checked on the cleaned name', () => {
    expect(v.safeParse(NameField(5), `abc${'\u200B'.repeat(50)}de`).output).toBe('abcde');
    expect(v.safeParse(NameField(5), 'abcdef').success).toBe(false);
  });

  it('CleanText allows an empty text; ban reasons are cleaned', () => {
    expect(v.parse(CleanText(10, 'reason'), '\u202E')).toBe('');
    expect(v.parse(BanRequest, { userId: 'u1', reason: 'spam\u0000\u202E links' })).toEqual({ userId: 'u1', reason: 'spam links' });
  });

  it('I5: device names are cleaned: a registered device needs a visible one, a session label may be empty', () => {
    expect(v.parse(RegisterDeviceRequest.entries.name, 'Phone\u202E\u0000')).toBe('Phone');
    expect(v.safeParse(RegisterDeviceRequest.entries.name, '\u200B').success).toBe(false);
    expect(v.parse(DeviceName, '\u2066\u2069')).toBe('');
  });
});
