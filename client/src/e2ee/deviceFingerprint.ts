/**
 * A device's fingerprint (issue #17 item 4): what `chatalot-post enrol` prints from the keys it
 * holds, and what the webhooks dialog shows for the device the server says enrolled, so a manager
 * approves the device the CI machine made and not one the server (or whoever held the enrolment
 * token) substituted. SHA-256 of the device's public identity key as registered (base64url),
 * first 20 bytes, in groups of four hex digits.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export function deviceFingerprint(identityKeyBase64Url: string): string {
  const hex = Array.from(sha256(new TextEncoder().encode(identityKeyBase64Url)).slice(0, 20), (b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{4}/g)!.join(' ');
}
