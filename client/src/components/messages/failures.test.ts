import { describe, expect, it } from 'vitest';
import { explainFailure } from './failures';

// Every code client/src/crypto/errors.ts can give a message (LockIcon's list).
const CODES = ['waiting-for-key', 'not-a-recipient', 'sent-before-join', 'duplicate-message', 'too-far-ahead', 'bad-signature', 'tampered', 'unknown-version', 'malformed', 'session-missing', 'identity-changed', 'unreadable-body', 'history-expired', 'franking-mismatch'];

describe('explainFailure (issue 12 item 6)', () => {
  it('offers the backup for messages sent before this device could read them, when there is one to restore', () => {
    for (const code of ['waiting-for-key', 'not-a-recipient', 'sent-before-join']) {
      expect(explainFailure(code, 'Ann', true)).toEqual({ text: 'Sent before this device was approved — restore your key backup to read it.', action: 'restore' });
      expect(explainFailure(code, 'Ann', false).action).toBeUndefined();
    }
    expect(explainFailure('waiting-for-key', 'Ann', false).text).toMatch(/Waiting for Ann's key.*opens here by itself/);
  });

  it('issue #20: a message older than the sender-key history this device keeps says so, with the bound and what to do', () => {
    expect(explainFailure('history-expired', 'Ann', true)).toEqual({ text: "This message is older than the key history this device keeps for Ann (the last 128 keys per conversation). Read it on a device that was there when it was sent." });
  });

  it('sends to the safety-number screen when the sender’s key changed', () => {
    expect(explainFailure('identity-changed', 'Ann', true)).toMatchObject({ action: 'verify', text: expect.stringMatching(/^Ann's key changed/) });
  });

  it('says something specific, naming nobody’s internals, for every code', () => {
    const texts = CODES.map((c) => explainFailure(c, 'Ann', false).text);
    for (const t of texts) {
      expect(t).not.toMatch(/could not be decrypted|undefined|-[a-z]+-/);
      expect(t.length).toBeGreaterThan(20);
    }
    // Only the truly damaged ones share the generic sentence.
    expect(texts.filter((t) => t === 'This message is damaged and cannot be shown.')).toHaveLength(2);
  });
});
