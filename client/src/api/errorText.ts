/**
 * What a person reads when a request fails, in the language on screen.
 *
 * The server answers every refusal with a code and an English sentence (protocol/errors.ts): the
 * sentence is for people and for API clients, and the server does not know the reader's language.
 * So the client translates. The sentences people meet most (signing in, registering, invites,
 * limits) are in the catalogue as they are: in Arabic they read as Arabic. Any other refusal reads
 * as a sentence for its code, with the server's own words after it in parentheses, so what the
 * server said exactly (which field, which limit) is never lost. In English the server's sentence
 * is shown as it is. tests/i18n.test.ts checks that every sentence listed here is one the server
 * still sends.
 */
import { format, language, msg, t, translated, type Language } from '../i18n';
import { ApiRequestError } from './http';

/** Server (and this client's own) error sentences, exactly as sent: each has a translation. */
export const KNOWN_ERRORS: readonly string[] = [
  msg('username or password is wrong'),
  msg('username or recovery code is wrong'),
  msg('that code is wrong or was already used'),
  msg('this username is taken'),
  msg('this username looks too much like an existing one; choose another'),
  msg('registration is closed on this instance'),
  msg('registration needs an invite code on this instance'),
  msg('no such invite'),
  msg('the password is wrong'),
  msg('this session has ended'),
  msg('too many requests; slow down'),
  msg('the server is busy checking passwords; try again in a moment'),
  msg('the password service is not answering; try again in a moment'),
  msg('you are already a member of this community'),
  msg('you are banned from this community'),
  msg('The server cannot be reached.'),
  msg('You are signing out.'),
];

/** A sentence for each code, when the server's own sentence has no translation. */
const BY_CODE: Record<string, string> = {
  bad_request: msg('The request was not understood.'),
  invalid_json: msg('The request was not understood.'),
  validation_failed: msg('Some of what was entered is not accepted.'),
  unauthorized: msg('You are not signed in, or your session ended.'),
  forbidden: msg('You are not allowed to do that.'),
  quarantined: msg("Your account is restricted by this instance's admins."),
  banned: msg('You are banned here.'),
  suspended: msg("This account is suspended by this instance's admins."),
  terms_not_accepted: msg("Accept this instance's terms to continue."),
  not_found: msg('Not found, or you cannot see it.'),
  method_not_allowed: msg('The request was not understood.'),
  conflict: msg('That conflicts with something that exists or has just changed.'),
  payload_too_large: msg('That is too large.'),
  quota_exceeded: msg('That is over your limit.'),
  unsupported_media_type: msg('That kind of content is not accepted.'),
  address_refused: msg('That address may not be fetched.'),
  rate_limited: msg('Too many attempts; wait a moment and try again.'),
  internal: msg('The server had a problem.'),
  storage_unavailable: msg('The server is unavailable; try again in a moment.'),
  unavailable: msg('The server is unavailable; try again in a moment.'),
  bad_gateway: msg('The site did not answer properly.'),
  gateway_timeout: msg('The site did not answer in time.'),
  invalid_credentials: msg('username or password is wrong'),
  invalid_recovery: msg('username or recovery code is wrong'),
  invalid_code: msg('that code is wrong or was already used'),
  network: msg('The server cannot be reached.'),
};

/** A refusal's sentence (its code and the server's words) in `lang`. */
export function refusalIn(lang: Language, code: string, message: string): string {
  if (lang === 'en') return message;
  if (translated(message, lang)) return format(lang, message);
  return `${format(lang, BY_CODE[code] ?? 'Something went wrong.')} (${message})`;
}

/** A refusal's sentence in the language on screen; also for a socket's `error` frame. */
export const refusalText = (code: string, message: string): string => refusalIn(language(), code, message);

/** The error's sentence for people, in the language on screen; `fallback` (a catalogue key) for a throw that is not an Error. */
export function errorText(e: unknown, fallback = 'Something went wrong.'): string {
  if (e instanceof ApiRequestError) return refusalText(e.code, e.message);
  if (!(e instanceof Error)) return t(fallback);
  return translated(e.message) ? t(e.message) : e.message;
}
