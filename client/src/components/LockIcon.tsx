/**
 * The per-message encryption state: a lock for encrypted messages (verified, unverified, key
 * changed), an open lock for unencrypted ones, and a broken lock with the typed reason when a
 * message could not be opened. A webhook's post (never encrypted) says so in words, with no lock. The text is always in the accessible name, never colour alone.
 */
import { createMemo } from 'solid-js';
import { msg, t } from '../i18n';
import type { ViewMessage } from '../stores/ChannelSession';

/** Human sentences for every way opening a message can fail (client/src/crypto/errors.ts codes). */
const FAILURES: Record<string, string> = {
  'waiting-for-key': msg("Waiting for the sender's key"),
  'not-a-recipient': msg('This device has no key for this message'),
  'sent-before-join': msg('Sent before this device joined'),
  'history-expired': msg('Older than the key history this device keeps'),
  'duplicate-message': msg('Already received (replayed)'),
  'too-far-ahead': msg('Too far ahead of the conversation'),
  'bad-signature': msg('Signature did not verify'),
  tampered: msg('Tampered with or corrupted'),
  'unknown-version': msg('Sent by a newer client'),
  malformed: msg('Malformed'),
  'session-missing': msg('No session with the sending device'),
  'identity-changed': msg("The sender's identity key changed"),
  'unreadable-body': msg('Decrypted, but the content is not understood'),
  'franking-mismatch': msg('Its report seal does not match its text'),
};

export function lockLabel(lock: ViewMessage['lock']): { text: string; tone: 'ok' | 'warn' | 'bad' | 'muted' } {
  if (lock.kind === 'sending') return { text: t('Encrypted, sending'), tone: 'muted' };
  if (lock.kind === 'error') return { text: t('Not decrypted: {reason}', { reason: FAILURES[lock.code] ? t(FAILURES[lock.code]!) : lock.code }), tone: 'bad' };
  if (lock.kind === 'webhook') return { text: t('Not end-to-end encrypted — posted by webhook {name}', { name: lock.name }), tone: 'bad' };
  switch (lock.status) {
    case 'encrypted-verified':
      return { text: t('End-to-end encrypted, verified'), tone: 'ok' };
    case 'encrypted-unverified':
      return { text: t('End-to-end encrypted, sender not verified'), tone: 'muted' };
    case 'key-changed':
      return { text: t("End-to-end encrypted, the sender's key changed"), tone: 'warn' };
    case 'not-encrypted':
      return { text: t('Not encrypted'), tone: 'bad' };
  }
}

export function LockIcon(props: { lock: ViewMessage['lock'] }) {
  // A memo: the label is read four times (class, name, title, tone), by every row of the list.
  const label = createMemo(() => lockLabel(props.lock));
  // A webhook's post gets words, not a lock (issue #17 item 3): nothing about it is encrypted.
  if (props.lock.kind === 'webhook') {
    return (
      <span class="webhook-badge" data-lock="webhook">
        <span class="bot-tag">{t('Webhook')}</span> {label().text}
      </span>
    );
  }
  const open = () => props.lock.kind === 'error' || (props.lock.kind === 'status' && props.lock.status === 'not-encrypted');
  return (
    <span class={`lock lock-${label().tone}`} role="img" aria-label={label().text} title={label().text} data-lock={props.lock.kind === 'status' ? props.lock.status : props.lock.kind === 'error' ? props.lock.code : 'sending'}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
        <path d={open() ? 'M5 7V5a3 3 0 0 1 5.8-1' : 'M5 7V5a3 3 0 0 1 6 0v2'} fill="none" stroke="currentColor" stroke-width="1.6" />
      </svg>
    </span>
  );
}
