/**
 * Usernames and display names. A username is normalised (NFKC, lower case) and must then be
 * 3–32 characters of a-z 0-9 _ . -, so look-alikes from other scripts, zero-width and bidi
 * characters and full-width forms either fold to ASCII or are refused (SECURITY-TESTS I5), and
 * uniqueness is case-insensitive by construction. Display names keep any script and get the one
 * cleaning every human-readable name gets (protocol/names.ts).
 *
 * ASCII still has look-alikes: `paypa1` for `paypal`, `rnallory` for `mallory`. Each username
 * therefore has a confusable skeleton, and a new name whose skeleton equals a reserved name's or
 * an existing user's is refused. The skeleton follows UTS #39 (Unicode's confusables, restricted
 * to what a username can hold): `m`→`rn`, `w`→`vv`, `d`→`cl`, `1`→`l`, `0`→`o`. We add, as a
 * deliberate choice for lower-case names rendered in any font, `i`→`l` (so `1`, `i` and `l` are
 * one class: `adm1n` is `admin`), `5`→`s`, and we drop the separators `_ . -` (`pay_pal` is
 * `paypal`). The price is that some honest pairs collide (`ali` and the reserved `all`, `clan`
 * and `dan`); the second of such a pair picks another name. Other digit-for-letter swaps (`3`
 * for `e`, `4` for `a`) are not folded: they read as digits in the fonts we ship. Changing this
 * mapping changes stored skeletons: it needs a migration that clears `username_skeleton`, so
 * SqlStorage's backfill recomputes every row.
 */

import { cleanName } from '../../protocol/names';

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

/** What each character of a normalised username stands for when comparing look-alikes; '' drops it. */
const CONFUSABLE: Readonly<Record<string, string>> = {
  m: 'rn',
  w: 'vv',
  d: 'cl',
  '1': 'l',
  i: 'l',
  '0': 'o',
  '5': 's',
  _: '',
  '.': '',
  '-': '',
};

/**
 * The confusable skeleton of a normalised username: two names with the same skeleton look alike
 * (see the file header for the mapping). Not a display form, and not reversible.
 */
export function usernameSkeleton(username: string): string {
  let skeleton = '';
  for (const ch of username) skeleton += CONFUSABLE[ch] ?? ch;
  return skeleton;
}

const RESERVED_SKELETONS = new Set([...RESERVED_USERNAMES].map(usernameSkeleton));

/**
 * Why a username cannot be registered, or null. `operator` is the normalised ADMIN_USERNAME:
 * that exact name may be reserved (the operator chose it), and nobody else may take a look-alike
 * of it before the operator registers.
 */
export function usernameProblem(username: string, options: { operator?: string } = {}): string | null {
  if (!USERNAME.test(username)) return 'username must be 3–32 characters of a-z, 0-9, _ . -';
  if (username === options.operator) return null;
  if (RESERVED_USERNAMES.has(username)) return 'this username is reserved';
  const skeleton = usernameSkeleton(username);
  if (RESERVED_SKELETONS.has(skeleton) || (options.operator !== undefined && skeleton === usernameSkeleton(options.operator))) {
    return 'this username looks too much like a reserved name';
  }
  return null;
}

/** Display names are at most this many characters (code points); longer ones are cut, not refused. */
export const MAX_DISPLAY_NAME_CHARS = 64;

/** A display name as stored: cleaned (protocol/names.ts), cut to 64 characters; the username when nothing visible is left. */
export function cleanDisplayName(input: string | undefined, fallback: string): string {
  // Cleaned again after the cut, which can leave a trailing space or half an emoji sequence.
  const bounded = cleanName([...cleanName(input ?? '')].slice(0, MAX_DISPLAY_NAME_CHARS).join(''));
  return bounded.length > 0 ? bounded : fallback;
}
