/**
 * The instance's legal pages (issue #16 item 7): a privacy policy and terms of service, shown
 * before registration and accepted explicitly. The built-in texts below describe what this
 * software actually stores; they follow SECURITY.md ("What the server can see") and must change
 * with it. An operator replaces either text in Settings → Instance (stored as the `legal_terms`
 * and `legal_privacy` settings); publishing a change that people must accept again raises
 * `legal_version`, and each account records the version it accepted.
 */
import type { Storage } from '../storage/Storage';

/** The version of the built-in texts, and of an instance that never changed them. */
export const BUILT_IN_LEGAL_VERSION = 1;

export const BUILT_IN_PRIVACY = `# Privacy policy

This instance runs Chatalot, a chat server that relays end-to-end encrypted messages. The people who run this instance (the operator) can see what the server stores, listed here. This describes the software as it is built; the operator may add how they run it (where it is hosted, who the operator is and how to reach them).

## What the server cannot read

- **Messages, edits, reactions, poll votes and files** are encrypted on your device before they are sent. The server stores and forwards them without the keys to open them. File names, types and sizes travel inside the encrypted message.
- **Your private keys and your key backup.** Keys are made and kept on your devices; the backup is encrypted with a key derived from your recovery code, which the server never receives.
- **Your password.** It is stored only as an Argon2id hash.
- **Call audio, video and screens.** They go between the browsers, encrypted, or through a relay that cannot decrypt them.

## What the server stores and can see

- Your username, display name and, if you give it, email address; your avatar and profile banner (these are not encrypted: everyone who can see your profile sees them).
- Which communities, channels and conversations you are in, your roles, and who you block.
- When you send something, to which conversation, what kind of message it is (a message, an edit, a reaction…), whom it mentions, and how large it is — never what it says.
- Each session's IP address, browser and device name, when you sign in and out, and other security events (the audit log, which you and the instance's admins can read).
- When you are online, how far you have read each conversation, and (if you turn them on) your read receipts.
- For each file: who uploaded it, when, to which conversation and its approximate size.
- Community, channel and role names, invite codes, ban and warning reasons, announcements, and feedback you send to the admins: these are stored as written, not encrypted.
- **Reports.** If someone reports a message of yours, their device discloses that one message's text to the moderators, with a proof that you sent it. Nothing else is disclosed.

## What leaves the instance

Nothing, unless the operator turned on link previews or GIF search (the server fetches those on your behalf), or you allow browser notifications (the push service learns only that something arrived, never what).

## Deleting your data

You can delete your account in Settings. Your account, sessions, devices and keys are deleted; messages you sent stay as ciphertext in the conversations (others may still hold them) unless you delete them first. Deleted messages keep a tombstone (who sent something, when) but lose their encrypted content.
`;

export const BUILT_IN_TERMS = `# Terms of service

By creating an account on this instance you agree to these terms.

1. **The instance is run by its operator**, not by the authors of the Chatalot software. The operator decides who may register and may suspend or delete accounts that break these terms or the law.
2. **Be lawful and decent.** Do not use this instance to harass anyone, to share content that is illegal where the instance is run, to send spam, or to attack the service or other people's accounts.
3. **Moderation.** Community moderators and the instance's admins can warn, time out, remove and ban members, and delete messages. Because messages are end-to-end encrypted, they see a message's content only when a member reports it (see the privacy policy).
4. **Your account and keys.** Keep your password and recovery code safe. If you lose both your devices and your recovery code, nobody — not the operator either — can recover your encrypted messages.
5. **No warranty.** The service is provided as it is, without any guarantee that it will be available or that data will not be lost. Keep copies of what matters to you.
6. **Changes.** The operator may change these terms; you will be asked to accept a new version before you go on using the instance.
`;

export interface LegalDocuments {
  version: number;
  terms: string;
  privacy: string;
  /** Whether the operator replaced the built-in text. */
  custom: { terms: boolean; privacy: boolean };
}

/** The texts in effect and their version. */
export async function legalDocuments(storage: Storage): Promise<LegalDocuments> {
  const [terms, privacy, version] = await Promise.all([storage.getSetting('legal_terms'), storage.getSetting('legal_privacy'), legalVersion(storage)]);
  // An empty setting is how "back to the built-in text" is stored.
  return { version, terms: terms || BUILT_IN_TERMS, privacy: privacy || BUILT_IN_PRIVACY, custom: { terms: !!terms, privacy: !!privacy } };
}

/** The version an account must have accepted. */
export async function legalVersion(storage: Storage): Promise<number> {
  const v = Number(await storage.getSetting('legal_version'));
  return Number.isInteger(v) && v >= BUILT_IN_LEGAL_VERSION ? v : BUILT_IN_LEGAL_VERSION;
}
