/**
 * A stand-in franking commitment for tests that speak the channel protocol with made-up
 * ciphertexts: the room requires one on every message and edit (protocol/franking.ts) but never
 * checks it against a plaintext it cannot read; tests/moderation/franking.test.ts uses real ones.
 */
export const FRANKING = 'RnJhbmtpbmctY29tbWl0bWVudC1zdGFuZC1pbi0wMDAx'.slice(0, 43);
