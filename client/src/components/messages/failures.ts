/**
 * Why a message could not be opened, as a sentence a person understands and the action that
 * helps (restore the key backup, verify the sender), for each code of client/src/crypto/errors.ts.
 * Shown in the message's own row by DecryptionNotice.tsx.
 */
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
      if (canRestore) return { text: 'Sent before this device was approved — restore your key backup to read it.', action: 'restore' };
      if (code === 'waiting-for-key') return { text: `Waiting for ${sender}'s key. It usually arrives within seconds, and the message opens here by itself.` };
      return { text: 'Sent before this device could read this conversation. Read it on a device you used then, or turn on your key backup there and restore it here.' };
    case 'identity-changed':
      return { text: `${sender}'s key changed, so this message was not opened. Verify them to make sure it is really them.`, action: 'verify' };
    case 'session-missing':
      return { text: `No secure session with ${sender}'s device yet. Their next message sets one up; ask them to send this again.` };
    case 'bad-signature':
    case 'tampered':
      return { text: `This message was altered on the way, so it is not shown. If this keeps happening, tell ${sender}.` };
    case 'duplicate-message':
      return { text: 'A copy of a message already received (a replay), so it is not shown twice.' };
    case 'too-far-ahead':
      return { text: `Too many of ${sender}'s messages were missed to open this one. Ask them to send it again.` };
    case 'unknown-version':
      return { text: 'Sent from a newer version of Chatalot. Reload the page to update this app, then it can be read.' };
    default:
      return { text: 'This message is damaged and cannot be shown.' };
  }
}
