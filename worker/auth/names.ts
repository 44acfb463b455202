/**
 * Usernames and display names. A username is normalised (NFKC, lower case) and must then be
 * 3–32 characters of a-z 0-9 _ . -, so look-alikes from other scripts, zero-width and bidi
 * characters and full-width forms either fold to ASCII or are refused (SECURITY-TESTS I5), and
 * uniqueness is case-insensitive by construction. Display names keep any script but lose control,
 * zero-width and bidi-override characters.
 */

export const USERNAME = /^[a-z0-9_.-]{3,32}$/;

/** Names that would let an account impersonate the instance, its staff or a mention keyword. */
export const RESERVED_USERNAMES = new Set([
  'admin', 'administrator', 'root', 'system', 'sysadmin', 'owner', 'moderator', 'mod', 'staff', 'support', 'help', 'security',
  'chatalot', 'official', 'everyone', 'here', 'channel', 'all', 'api', 'ws', 'www', 'mail', 'postmaster', 'abuse', 'noreply',
  'no-reply', 'webhook', 'bot', 'null', 'undefined', 'anonymous', 'deleted', 'server',
]);

export function normalizeUsername(input: string): string {
  return input.normalize('NFKC').trim().toLowerCase();
}

/** Why a username cannot be registered, or null. `allowReserved` is for the operator's ADMIN_USERNAME only. */
export function usernameProblem(username: string, options: { allowReserved?: boolean } = {}): string | null {
  if (!USERNAME.test(username)) return 'username must be 3–32 characters of a-z, 0-9, _ . -';
  if (RESERVED_USERNAMES.has(username) && !options.allowReserved) return 'this username is reserved';
  return null;
}

/** Control (Cc), format characters that hide or reorder text (zero-width, bidi controls), and line breaks. */
const INVISIBLE = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C]/gu;

export function cleanDisplayName(input: string | undefined, fallback: string): string {
  const cleaned = (input ?? '').normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  const bounded = [...cleaned].slice(0, 64).join('');
  return bounded.length > 0 ? bounded : fallback;
}
