/**
 * Public surface of Chatalot's end-to-end encryption core.
 *
 * Pure TypeScript: no DOM, no network, no ambient clock or randomness (callers pass `now` and an
 * `Rng`; `systemRng` is provided for the app's edge). Storage goes through the `KeyStore`
 * interface. See docs/crypto.md for the protocol as built. Test helpers (the seeded RNG) are
 * deliberately not exported.
 */
export * from './errors';
export * from './encoding';
export * from './primitives';
export * from './CryptoProvider';
export * from './NobleProvider';
export * from './WebCryptoProvider';
export * from './selectProvider';
export * from './mlKem';
export * from './KeyPair';
export * from './IdentityKey';
export * from './PreKeys';
export * from './PreKeyBundle';
export * from './pqxdh';
export * from './ChainKey';
export * from './DoubleRatchet';
export * from './Session';
export * from './SenderKey';
export * from './DeviceList';
export * from './safetyNumber';
export * from './TrustStore';
export * from './recoveryCode';
export * from './KeyBackup';
export * from './FileCipher';
export * from './KeyStore';
export * from './stateCodec';
export * from './CallSignal';
