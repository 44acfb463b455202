/**
 * Typed failures of the crypto core.
 *
 * Every refusal the library makes is a `CryptoError` with a machine-readable `code` the UI can
 * turn into words ("sent before this device joined", "tampered or corrupted", ...) and the
 * `operation` that refused. It deliberately carries no key bytes, plaintext, ciphertext or
 * identifiers in its message, its `toString()` or its `toJSON()`: the message is a fixed sentence
 * chosen by the code, so nothing secret can reach a log by accident. It also never wraps the
 * original exception from a library (noble messages can quote input bytes); `wrapPrimitive`
 * replaces it with a typed error.
 */

/** Every reason the crypto core can refuse an input. Callers narrow on this union. */
export type CryptoErrorCode =
  | 'duplicate-message'
  | 'too-far-ahead'
  | 'bad-signature'
  | 'tampered'
  | 'unknown-version'
  | 'malformed'
  | 'session-missing'
  | 'sent-before-join'
  | 'history-expired'
  | 'file-truncated'
  | 'not-a-recipient'
  | 'identity-changed'
  | 'untrusted-device-list'
  | 'stale-device-list'
  | 'low-order-point'
  | 'prekey-missing'
  | 'prekey-reused'
  | 'wrong-recovery-code'
  | 'crypto-unavailable';

/** What the library was doing when it refused; shown in logs, never to end users verbatim. */
export type CryptoOperation =
  | 'decode'
  | 'encode'
  | 'x25519'
  | 'ed25519-sign'
  | 'ed25519-verify'
  | 'ml-kem'
  | 'aead-seal'
  | 'aead-open'
  | 'hkdf'
  | 'verify-bundle'
  | 'pqxdh-initiate'
  | 'pqxdh-respond'
  | 'ratchet-encrypt'
  | 'ratchet-decrypt'
  | 'sender-key-encrypt'
  | 'sender-key-decrypt'
  | 'sender-key-distribution'
  | 'verify-device-list'
  | 'safety-number'
  | 'trust'
  | 'file'
  | 'recovery-code'
  | 'backup-seal'
  | 'backup-open'
  | 'provider'
  | 'call';

/** Fixed, secret-free sentences per code. */
const MESSAGES: Readonly<Record<CryptoErrorCode, string>> = {
  'duplicate-message': 'This message was already received.',
  'too-far-ahead': 'This message is too far ahead of the conversation to be accepted.',
  'bad-signature': 'A signature did not verify.',
  tampered: 'The message was tampered with or corrupted.',
  'unknown-version': 'The data uses a format version this client does not understand.',
  malformed: 'The data is malformed.',
  'session-missing': 'There is no session with this device.',
  'sent-before-join': 'This message was sent before this device joined.',
  'history-expired': 'This message is older than the sender-key history this device keeps.',
  'file-truncated': 'The file ends before its last chunk: it was cut off.',
  'not-a-recipient': 'This device was not a recipient of this message.',
  'identity-changed': "The sender's identity key changed.",
  'untrusted-device-list': 'The device list is not signed by a trusted key.',
  'stale-device-list': 'The device list is older than one already seen.',
  'low-order-point': 'A public key is a low-order point and was refused.',
  'prekey-missing': 'The prekey this message refers to is not available.',
  'prekey-reused': 'A one-time prekey was already used.',
  'wrong-recovery-code': 'The recovery code does not open this backup.',
  'crypto-unavailable': 'The cryptographic provider is not available.',
};

/** The single error class of the crypto core. */
export class CryptoError extends Error {
  /** Machine-readable reason. */
  readonly code: CryptoErrorCode;
  /** The operation that refused. */
  readonly operation: CryptoOperation;

  /**
   * @param code - why the input was refused
   * @param operation - what was being done
   */
  constructor(code: CryptoErrorCode, operation: CryptoOperation) {
    super(MESSAGES[code]);
    this.name = 'CryptoError';
    this.code = code;
    this.operation = operation;
  }

  /** Secret-free JSON form for logs. */
  toJSON(): { name: string; code: CryptoErrorCode; operation: CryptoOperation } {
    return { name: this.name, code: this.code, operation: this.operation };
  }

  override toString(): string {
    return `CryptoError[${this.code}] during ${this.operation}: ${this.message}`;
  }
}

/** True when `e` is a CryptoError, optionally with the given code. */
export function isCryptoError(e: unknown, code?: CryptoErrorCode): e is CryptoError {
  return e instanceof CryptoError && (code === undefined || e.code === code);
}

/**
 * Runs a primitive and replaces any exception it throws with a typed error.
 * A CryptoError thrown inside passes through unchanged.
 */
export function wrapPrimitive<T>(code: CryptoErrorCode, operation: CryptoOperation, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(code, operation);
  }
}

/** Async form of `wrapPrimitive`. */
export async function wrapPrimitiveAsync<T>(
  code: CryptoErrorCode,
  operation: CryptoOperation,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(code, operation);
  }
}
