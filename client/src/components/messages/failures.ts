/**
 * Why a message could not be opened, as a sentence a person understands and the action that
 * helps (restore the key backup, verify the sender), for each code of client/src/crypto/errors.ts.
 * Shown in the message's own row by DecryptionNotice.tsx.
 */
import { t } from '../../i18n';
import { MAX_RETIRED_SENDER_KEYS } from '../../crypto/limits';

export interface FailureExplanation {
  text: string;
  action?: 'restore' | 'verify';
}

/** The sentence (and the action) for a failure code; `canRestore` when this account has a key backup this device does not keep yet. */
export function explainFailure(code: string, sender: string, canRestore: boolean): FailureExplanation {
  switch (code) {
    case 'waiting-for-key':
    case 'not-a-recipient':
    case 'sent-before-join':
      if (canRestore) return { text: t('Sent before this device was approved — restore your key backup to read it.'), action: 'restore' };
      if (code === 'waiting-for-key') return { text: t("Waiting for {name}'s key. It usually arrives within seconds, and the message opens here by itself.", { name: sender }) };
      return { text: t('Sent before this device could read this conversation. Read it on a device you used then, or turn on your key backup there and restore it here.') };
    case 'history-expired':
      return { text: t('This message is older than the key history this device keeps for {name} (the last {count} keys per conversation). Read it on a device that was there when it was sent.', { count: MAX_RETIRED_SENDER_KEYS, name: sender }) };
    case 'identity-changed':
      return { text: t("{name}'s key changed, so this message was not opened. Verify them to make sure it is really them.", { name: sender }), action: 'verify' };
    case 'session-missing':
      return { text: t("No secure session with {name}'s device yet. Their next message sets one up; ask them to send this again.", { name: sender }) };
    case 'bad-signature':
    case 'tampered':
      return { text: t('This message was altered on the way, so it is not shown. If this keeps happening, tell {name}.', { name: sender }) };
    case 'franking-mismatch':
      return { text: t("This message's report seal does not match its text, so it is not shown: a message nobody could report verifiably. If this keeps happening, tell a moderator about {name}.", { name: sender }) };
    case 'duplicate-message':
      return { text: t('A copy of a message already received (a replay), so it is not shown twice.') };
    case 'too-far-ahead':
      return { text: t("Too many of {name}'s messages were missed to open this one. Ask them to send it again.", { name: sender }) };
    case 'unknown-version':
      return { text: t('Sent from a newer version of Chatalot. Reload the page to update this app, then it can be read.') };
    default:
      return { text: t('This message is damaged and cannot be shown.') };
  }
}
