/**
 * Checks ts-mls (the MLS implementation `bench:groups-cost` weighs our Sender Keys against) on the
 * RFC 9420 working group's published vectors for cipher suite 3 (../shared/vectors/mls_*_suite3.json,
 * from mlswg/mls-implementations): RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
 * SignWithLabel, EncryptWithLabel, the secret tree's per-sender keys and nonces, and opening the
 * PrivateMessage cases of message protection (application, proposal, commit). A figure measured
 * on an implementation that fails these would mean nothing, so the bench stops on the first miss.
 *
 * Uses ts-mls's internal modules (its package exports them as `ts-mls/<path>.js`), as its own
 * vector tests do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getCiphersuiteImpl, getCiphersuiteFromName, decodeMlsMessage } from 'ts-mls';
import { expandWithLabel, deriveSecret, deriveTreeSecret } from 'ts-mls/crypto/kdf.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { decryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';

const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const same = (a, b) => Buffer.from(a).equals(Buffer.from(b));
const text = (s) => new TextEncoder().encode(s);

/** Returns the number of cases checked; throws on the first that does not match. */
export async function checkMlsVectors(vectorsDir) {
  const load = (name) => JSON.parse(readFileSync(path.join(vectorsDir, name), 'utf8'));
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519'));
  let checked = 0;
  const expect = (ok, what) => {
    if (!ok) throw new Error(`ts-mls fails the RFC 9420 vector: ${what}`);
    checked++;
  };

  for (const v of load('mls_crypto_basics_suite3.json')) {
    if (v.cipher_suite !== 3) continue;
    const r = v.ref_hash;
    expect(same(await refhash(r.label, hex(r.value), cs.hash), hex(r.out)), 'RefHash');
    const e = v.expand_with_label;
    expect(same(await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, cs.kdf), hex(e.out)), 'ExpandWithLabel');
    const d = v.derive_secret;
    expect(same(await deriveSecret(hex(d.secret), d.label, cs.kdf), hex(d.out)), 'DeriveSecret');
    const t = v.derive_tree_secret;
    expect(same(await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, cs.kdf), hex(t.out)), 'DeriveTreeSecret');
    const s = v.sign_with_label;
    expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), hex(s.signature), cs.signature), 'SignWithLabel: the published signature verifies');
    const ours = await signWithLabel(hex(s.priv), s.label, hex(s.content), cs.signature);
    expect(same(ours, hex(s.signature)), 'SignWithLabel: Ed25519 is deterministic, so ours equals the published one');
    const h = v.encrypt_with_label;
    const priv = await cs.hpke.importPrivateKey(hex(h.priv));
    const opened = await decryptWithLabel(priv, h.label, hex(h.context), hex(h.kem_output), hex(h.ciphertext), cs.hpke);
    expect(same(opened, hex(h.plaintext)), 'EncryptWithLabel');
  }

  const retention = { retainKeysForGenerations: 10, retainKeysForEpochs: 4, maximumForwardRatchetSteps: 1 << 20 };
  for (const v of load('mls_secret_tree_suite3.json')) {
    if (v.cipher_suite !== 3) continue;
    const sd = v.sender_data;
    expect(same(await expandSenderDataKey(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)), hex(sd.key)), 'sender data key');
    expect(same(await expandSenderDataNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)), hex(sd.nonce)), 'sender data nonce');
    const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), cs.kdf);
    for (const [leaf, generations] of v.leaves.entries()) {
      const node = tree[2 * leaf];
      for (const g of generations) {
        for (const [kind, keyName, nonceName] of [['application', 'application_key', 'application_nonce'], ['handshake', 'handshake_key', 'handshake_nonce']]) {
          const [at] = await ratchetUntil(node[kind], g.generation, retention, cs.kdf);
          expect(same(await deriveKey(at.secret, g.generation, cs), hex(g[keyName])), `secret tree leaf ${leaf} ${kind} key, generation ${g.generation}`);
          expect(same(await deriveNonce(at.secret, g.generation, cs), hex(g[nonceName])), `secret tree leaf ${leaf} ${kind} nonce, generation ${g.generation}`);
        }
      }
    }
  }

  for (const v of load('mls_message_protection_suite3.json')) {
    if (v.cipher_suite !== 3) continue;
    const groupContext = {
      version: 'mls10', cipherSuite: 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
      groupId: hex(v.group_id), epoch: BigInt(v.epoch), treeHash: hex(v.tree_hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash), extensions: [],
    };
    // The published cases come from a two-member group in which leaf 1 sends.
    const ratchetTree = [{ nodeType: 'leaf' }, undefined, { nodeType: 'leaf' }];
    for (const [kind, field] of [['application', 'application_priv'], ['proposal', 'proposal_priv'], ['commit', 'commit_priv']]) {
      const decoded = decodeMlsMessage(hex(v[field]), 0)?.[0];
      expect(decoded?.wireformat === 'mls_private_message', `message protection: ${kind} decodes as a PrivateMessage`);
      const secretTree = await createSecretTree(2, hex(v.encryption_secret), cs.kdf);
      const { content } = await unprotectPrivateMessage(hex(v.sender_data_secret), decoded.privateMessage, secretTree, ratchetTree, groupContext, retention, cs, hex(v.signature_pub));
      if (kind === 'application') {
        expect(same(content.content.applicationData, hex(v.application)), 'message protection: the application data opens to the published plaintext');
      } else {
        expect(content.content.contentType === kind, `message protection: the ${kind} opens, signature checked`);
      }
    }
  }
  return checked;
}
