/**
 * The one cleaning every human-readable name gets before it is stored or shown: community,
 * group, channel, role and personal-group names, display names, device and session names, ban
 * reasons. It removes what draws nothing or reorders what is drawn — control characters (NUL …),
 * zero-width characters, bidi embeddings, overrides and isolates (U+202E turns "gnp.exe" into
 * "exe.png"), tag characters and variation selectors that can carry hidden text, Hangul fillers
 * and the rest of Unicode's default-ignorable set — turns every run of white space into one
 * space, trims, and composes to NFC (SECURITY-TESTS I5).
 *
 * It keeps any script, and the two invisible characters emoji need: U+FE0F after a pictograph
 * (❤️) and U+200D between pictographs (👩‍💻); elsewhere both are removed. It does not bound
 * the length (the schemas below refuse what is too long, display names are cut) and it does not
 * make usernames: those are NFKC, lower case and ASCII-only (worker/auth/names.ts).
 */
import * as v from 'valibot';

/** Control characters that separate words; they become a space rather than vanish. */
const CONTROL_SPACE = /[\t\n\v\f\r\u0085]/g;
/** Controls (Cc), format characters (Cf: zero-width, bidi, tags …), lone surrogates (Cs) and default-ignorables (Hangul fillers, variation selectors …). */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;
/**
 * White space, plus U+2800 (braille pattern blank): it is a symbol to Unicode but draws as an
 * empty cell, the usual way to make a name that looks blank.
 */
const BLANK = /[\s\u2800]+/gu;
const VARIATION_SELECTOR_16 = '\uFE0F';
const ZERO_WIDTH_JOINER = '\u200D';
/** A pictograph, or a skin-tone modifier, with its optional VS16, ending the text before a joiner. */
const EMOJI_BEFORE_JOINER = /[\p{Extended_Pictographic}\p{Emoji_Modifier}]\uFE0F?$/u;
const PICTOGRAPH_AT_END = /\p{Extended_Pictographic}$/u;
const PICTOGRAPH_AT_START = /^\p{Extended_Pictographic}/u;

/** Whether the hidden character at `offset` belongs to an emoji sequence and stays. */
function partOfEmoji(ch: string, text: string, offset: number): boolean {
  // A pictograph is at most two UTF-16 units; with a VS16 after it, three.
  const before = text.slice(Math.max(0, offset - 3), offset);
  if (ch === VARIATION_SELECTOR_16) return PICTOGRAPH_AT_END.test(before);
  if (ch === ZERO_WIDTH_JOINER) return EMOJI_BEFORE_JOINER.test(before) && PICTOGRAPH_AT_START.test(text.slice(offset + 1, offset + 3));
  return false;
}

/**
 * The stored form of a human-readable name: hidden characters removed, white space collapsed
 * to single spaces, trimmed, NFC. May be empty; callers refuse an empty name or fall back.
 */
export function cleanName(input: string): string {
  return input
    .replace(CONTROL_SPACE, ' ')
    .replace(HIDDEN, (ch: string, offset: number, text: string) => (partOfEmoji(ch, text, offset) ? ch : ''))
    .replace(BLANK, ' ')
    .trim()
    .normalize('NFC');
}

/**
 * A required name in a request body: cleaned, then 1–`maxChars` UTF-16 units. A name of only
 * hidden characters is refused, with a message naming `field`.
 */
export function NameField(maxChars: number, field = 'name') {
  return v.pipe(
    v.string(),
    v.transform(cleanName),
    v.minLength(1, `${field} must contain at least one visible character`),
    v.maxLength(maxChars, `${field} must be at most ${maxChars} characters`),
  );
}

/** Optional free text in a request body (a reason, a device label): cleaned, may be empty, at most `maxChars`. */
export function CleanText(maxChars: number, field: string) {
  return v.pipe(v.string(), v.transform(cleanName), v.maxLength(maxChars, `${field} must be at most ${maxChars} characters`));
}
