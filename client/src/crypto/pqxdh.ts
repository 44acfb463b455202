/**
 * PQXDH key agreement (Signal's PQXDH specification, revision 3) and its initial message.
 *
 * The initiator (A) fetches B's verified bundle and computes, with a fresh ephemeral key EK_A:
 *   DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B) if an
 *   OPK was served, and (CT, SS) = ML-KEM-768.Encaps(PQPK_B) if B published an ML-KEM prekey.
 *   SK = HKDF-SHA-256(salt = 32 zero bytes, IKM = F || DH1 || DH2 || DH3 [|| DH4] [|| SS], info, 32)
 * where F is 32 0xFF bytes (the spec's prefix for X25519) and info is PQXDH_INFO, or X3DH_INFO
 * when B has no ML-KEM prekey (plain X3DH), so the two modes never yield the same key.
 * AD = framed("Chatalot/DM/v1", Encode(IK_A), Encode(IK_B)) binds protocol and both identities;
 * the Double Ratchet adds the conversation (channel) per message.
 * The initial message carries IK_A, EK_A, the prekey ids, the KEM ciphertext and the first ratchet
 * message. This file deliberately neither looks up nor deletes prekeys (the `Session` layer does,
 * so a failed first message consumes nothing) and does not judge whether IK_B is trusted.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, X25519_KEY_LENGTH } from './CryptoProvider';
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, concat, framed, utf8 } from './encoding';
import { encodeIdentityPublic, identityPublicOf } from './IdentityKey';
import type { IdentityKeyPair, IdentityPublic } from './IdentityKey';
import { generateX25519KeyPair } from './KeyPair';
import type { X25519KeyPair } from './KeyPair';
import { ML_KEM_CIPHERTEXT_LENGTH, mlKemDecapsulate, mlKemEncapsulate } from './mlKem';
import type { OneTimePreKey, KyberPreKey, SignedPreKey } from './PreKeys';
import { verifyPreKeyBundle } from './PreKeyBundle';
import type { PreKeyBundle } from './PreKeyBundle';
import { hkdf } from './primitives';
import type { Rng } from './primitives';

/** HKDF info for PQXDH (X25519 + ML-KEM-768, SHA-256). */
export const PQXDH_INFO = 'Chatalot_PQXDH_CURVE25519_SHA-256_ML-KEM-768_v1';
/** HKDF info for plain X3DH, used when the responder has no ML-KEM prekey. */
export const X3DH_INFO = 'Chatalot_X3DH_CURVE25519_SHA-256_v1';
/** Label that starts the session associated data. */
export const DM_AD_LABEL = 'Chatalot/DM/v1';
/** Largest embedded first ratchet message; envelopes are far smaller, so anything bigger is hostile. */
export const MAX_EMBEDDED_MESSAGE_LENGTH = 1 << 20;

const FLAG_ONE_TIME = 0x01;
const FLAG_KYBER = 0x02;
/** The spec's 32 0xFF bytes, so the KDF input never starts like a valid X25519 output. */
const F = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);

/** The public fields of a PQXDH initial message. */
export interface InitialMessage {
  /** Initiator's public identity (IK_A). */
  identity: IdentityPublic;
  /** Initiator's ephemeral public key (EK_A), also the session's base key. */
  baseKey: Uint8Array;
  signedPreKeyId: number;
  oneTimePreKeyId: number | null;
  kyber: { id: number; ciphertext: Uint8Array } | null;
  /** The first Double Ratchet message (encoded). */
  message: Uint8Array;
}

/** What the initiator keeps after agreement. */
export interface InitiatorAgreement {
  sharedKey: Uint8Array;
  associatedData: Uint8Array;
  /** The initial message fields, without the embedded ratchet message. */
  header: Omit<InitialMessage, 'message'>;
  /** B's signed prekey: A's first ratchet target. */
  remoteSignedPreKey: Uint8Array;
  /** True when B served a one-time prekey (false: replay of the first message is possible; the UI may flag it). */
  usedOneTimePreKey: boolean;
  /** True when the agreement included ML-KEM. */
  postQuantum: boolean;
}

/** The session associated data for initiator `a` and responder `b`. */
export function sessionAssociatedData(a: IdentityPublic, b: IdentityPublic): Uint8Array {
  return framed(utf8(DM_AD_LABEL), encodeIdentityPublic(a), encodeIdentityPublic(b));
}

/** The KDF over the DH outputs and the KEM secret. Exported for the known-answer vectors. */
export function deriveSharedKey(dhs: Uint8Array[], kemSecret: Uint8Array | null): Uint8Array {
  const info = utf8(kemSecret ? PQXDH_INFO : X3DH_INFO);
  return hkdf(concat(F, ...dhs, ...(kemSecret ? [kemSecret] : [])), ZERO_SALT, info, 32);
}

/** Options of `initiatePqxdh`. */
export interface InitiateOptions {
  /**
   * The caller checked this very bundle with `verifyPreKeyBundle` just before (a sender-key
   * distribution verifies each bundle before its trust check): its signatures are not checked twice.
   */
  verified?: boolean;
}

/**
 * Runs PQXDH as the initiator against a bundle. Verifies the bundle's signatures first
 * (`bad-signature`) unless the caller just did; a low-order prekey is `low-order-point`.
 */
export async function initiatePqxdh(
  provider: CryptoProvider,
  rng: Rng,
  identity: IdentityKeyPair,
  bundle: PreKeyBundle,
  ephemeral?: X25519KeyPair,
  options: InitiateOptions = {},
): Promise<InitiatorAgreement> {
  if (!options.verified) await verifyPreKeyBundle(provider, bundle);
  const ek = ephemeral ?? (await generateX25519KeyPair(provider, rng));
  const spk = bundle.signedPreKey.publicKey;
  const dhs = [
    await provider.x25519(identity.agreement.privateKey, spk),
    await provider.x25519(ek.privateKey, bundle.identity.agreementKey),
    await provider.x25519(ek.privateKey, spk),
  ];
  if (bundle.oneTimePreKey) dhs.push(await provider.x25519(ek.privateKey, bundle.oneTimePreKey.publicKey));
  let kyber: InitialMessage['kyber'] = null;
  let ss: Uint8Array | null = null;
  if (bundle.kyberPreKey) {
    const enc = mlKemEncapsulate(bundle.kyberPreKey.publicKey, rng);
    kyber = { id: bundle.kyberPreKey.id, ciphertext: enc.ciphertext };
    ss = enc.sharedSecret;
  }
  const self = identityPublicOf(identity);
  return {
    sharedKey: deriveSharedKey(dhs, ss),
    associatedData: sessionAssociatedData(self, bundle.identity),
    header: {
      identity: self,
      baseKey: ek.publicKey,
      signedPreKeyId: bundle.signedPreKey.id,
      oneTimePreKeyId: bundle.oneTimePreKey ? bundle.oneTimePreKey.id : null,
      kyber,
    },
    remoteSignedPreKey: spk,
    usedOneTimePreKey: bundle.oneTimePreKey !== null,
    postQuantum: kyber !== null,
  };
}

/** The responder's private prekeys named by an initial message, already looked up by the caller. */
export interface ResponderPreKeys {
  signedPreKey: SignedPreKey;
  oneTimePreKey: OneTimePreKey | null;
  kyberPreKey: KyberPreKey | null;
}

/** Runs PQXDH as the responder. Returns the shared key and associated data. */
export async function respondPqxdh(
  provider: CryptoProvider,
  identity: IdentityKeyPair,
  keys: ResponderPreKeys,
  msg: Omit<InitialMessage, 'message'>,
): Promise<{ sharedKey: Uint8Array; associatedData: Uint8Array }> {
  if ((msg.oneTimePreKeyId === null) !== (keys.oneTimePreKey === null)) throw new CryptoError('prekey-missing', 'pqxdh-respond');
  if ((msg.kyber === null) !== (keys.kyberPreKey === null)) throw new CryptoError('prekey-missing', 'pqxdh-respond');
  const spk = keys.signedPreKey.keyPair.privateKey;
  const dhs = [
    await provider.x25519(spk, msg.identity.agreementKey),
    await provider.x25519(identity.agreement.privateKey, msg.baseKey),
    await provider.x25519(spk, msg.baseKey),
  ];
  if (keys.oneTimePreKey) dhs.push(await provider.x25519(keys.oneTimePreKey.keyPair.privateKey, msg.baseKey));
  const ss = msg.kyber && keys.kyberPreKey ? mlKemDecapsulate(msg.kyber.ciphertext, keys.kyberPreKey.keyPair.secretKey) : null;
  return { sharedKey: deriveSharedKey(dhs, ss), associatedData: sessionAssociatedData(msg.identity, identityPublicOf(identity)) };
}

/** Encodes an initial message. */
export function encodeInitialMessage(m: InitialMessage): Uint8Array {
  const w = ByteWriter.withHeader(Kind.InitialMessage).bytes(m.identity.signingKey).bytes(m.identity.agreementKey).bytes(m.baseKey);
  w.u32(m.signedPreKeyId).u8((m.oneTimePreKeyId !== null ? FLAG_ONE_TIME : 0) | (m.kyber ? FLAG_KYBER : 0));
  if (m.oneTimePreKeyId !== null) w.u32(m.oneTimePreKeyId);
  if (m.kyber) w.u32(m.kyber.id).bytes(m.kyber.ciphertext);
  return w.var32(m.message).finish();
}

/** Decodes an initial message, refusing unknown versions, flags, sizes and trailing bytes. */
export function decodeInitialMessage(bytes: Uint8Array): InitialMessage {
  const r = ByteReader.open(bytes, Kind.InitialMessage);
  const identity = { signingKey: r.bytes(ED25519_KEY_LENGTH), agreementKey: r.bytes(X25519_KEY_LENGTH) };
  const baseKey = r.bytes(X25519_KEY_LENGTH);
  const signedPreKeyId = r.u32();
  const flags = r.u8();
  if ((flags & ~(FLAG_ONE_TIME | FLAG_KYBER)) !== 0) throw new CryptoError('malformed', 'decode');
  const oneTimePreKeyId = flags & FLAG_ONE_TIME ? r.u32() : null;
  const kyber = flags & FLAG_KYBER ? { id: r.u32(), ciphertext: r.bytes(ML_KEM_CIPHERTEXT_LENGTH) } : null;
  const message = r.var32(MAX_EMBEDDED_MESSAGE_LENGTH);
  r.end();
  return { identity, baseKey, signedPreKeyId, oneTimePreKeyId, kyber, message };
}
