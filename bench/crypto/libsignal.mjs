/**
 * The closest equivalent operations in @signalapp/libsignal-client (Rust, via N-API): PQXDH
 * session establishment with a Kyber prekey, Double Ratchet messages, sender-key group messages.
 * Installed only in bench/ (`npm install --prefix bench`).
 */
import { timeOps } from './timing.mjs';

const MESSAGE = new TextEncoder().encode('x'.repeat(200));

export async function benchLibsignal(S) {
  class Identities extends S.IdentityKeyStore {
    constructor(pair, reg) {
      super();
      this.pair = pair;
      this.reg = reg;
      this.known = new Map();
    }
    async getIdentityKey() { return this.pair.privateKey; }
    async getLocalRegistrationId() { return this.reg; }
    async saveIdentity(name, key) { this.known.set(name.toString(), key); return S.IdentityChange?.NewOrUnchanged ?? 0; }
    async isTrustedIdentity() { return true; }
    async getIdentity(name) { return this.known.get(name.toString()) ?? null; }
  }
  class Sessions extends S.SessionStore {
    constructor() { super(); this.m = new Map(); }
    async saveSession(name, rec) { this.m.set(name.toString(), rec.serialize()); }
    async getSession(name) { const b = this.m.get(name.toString()); return b ? S.SessionRecord.deserialize(b) : null; }
    async getExistingSessions(addrs) { return Promise.all(addrs.map((a) => this.getSession(a))); }
  }
  class PreKeys extends S.PreKeyStore {
    constructor() { super(); this.m = new Map(); }
    async savePreKey(id, r) { this.m.set(id, r); }
    async getPreKey(id) { return this.m.get(id); }
    async removePreKey(id) { this.m.delete(id); }
  }
  class SignedPreKeys extends S.SignedPreKeyStore {
    constructor() { super(); this.m = new Map(); }
    async saveSignedPreKey(id, r) { this.m.set(id, r); }
    async getSignedPreKey(id) { return this.m.get(id); }
  }
  class KyberPreKeys extends S.KyberPreKeyStore {
    constructor() { super(); this.m = new Map(); }
    async saveKyberPreKey(id, r) { this.m.set(id, r); }
    async getKyberPreKey(id) { return this.m.get(id); }
    async markKyberPreKeyUsed() {}
  }
  class SenderKeys extends S.SenderKeyStore {
    constructor() { super(); this.m = new Map(); }
    async saveSenderKey(sender, id, rec) { this.m.set(sender.toString() + String(id), rec.serialize()); }
    async getSenderKey(sender, id) { const b = this.m.get(sender.toString() + String(id)); return b ? S.SenderKeyRecord.deserialize(b) : null; }
  }

  const aliceAddr = S.ProtocolAddress.new('alice', 1);
  const bobAddr = S.ProtocolAddress.new('bob', 1);
  const aliceId = S.IdentityKeyPair.generate();
  const bobId = S.IdentityKeyPair.generate();
  const A = { ids: new Identities(aliceId, 1), sessions: new Sessions() };
  const B = { ids: new Identities(bobId, 2), sessions: new Sessions(), pre: new PreKeys(), spk: new SignedPreKeys(), kyber: new KyberPreKeys() };
  const spkPriv = S.PrivateKey.generate();
  const spkSig = bobId.privateKey.sign(spkPriv.getPublicKey().serialize());
  await B.spk.saveSignedPreKey(1, S.SignedPreKeyRecord.new(1, Date.now(), spkPriv.getPublicKey(), spkPriv, spkSig));
  const kemPair = S.KEMKeyPair.generate();
  const kemSig = bobId.privateKey.sign(kemPair.getPublicKey().serialize());
  await B.kyber.saveKyberPreKey(7, S.KyberPreKeyRecord.new(7, Date.now(), kemPair, kemSig));
  let opkId = 100;

  const establishOnce = async () => {
    const opk = S.PrivateKey.generate();
    const id = opkId++;
    await B.pre.savePreKey(id, S.PreKeyRecord.new(id, opk.getPublicKey(), opk));
    const bundle = S.PreKeyBundle.new(2, 1, id, opk.getPublicKey(), 1, spkPriv.getPublicKey(), spkSig, bobId.publicKey, 7, kemPair.getPublicKey(), kemSig);
    await S.processPreKeyBundle(bundle, bobAddr, aliceAddr, A.sessions, A.ids);
    const ct = await S.signalEncrypt(MESSAGE, bobAddr, aliceAddr, A.sessions, A.ids);
    await S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, B.sessions, B.ids, B.pre, B.spk, B.kyber);
  };
  const out = {};
  out.establish = await timeOps(100, establishOnce);
  await establishOnce();
  const reply = await S.signalEncrypt(MESSAGE, aliceAddr, bobAddr, B.sessions, B.ids);
  await S.signalDecrypt(S.SignalMessage.deserialize(reply.serialize()), bobAddr, aliceAddr, A.sessions, A.ids);

  out.ratchetSameDirection = await timeOps(5000, async () => {
    const ct = await S.signalEncrypt(MESSAGE, bobAddr, aliceAddr, A.sessions, A.ids);
    await S.signalDecrypt(S.SignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, B.sessions, B.ids);
  });
  let turn = 0;
  out.ratchetAlternating = await timeOps(1000, async () => {
    if (turn++ % 2 === 0) {
      const ct = await S.signalEncrypt(MESSAGE, bobAddr, aliceAddr, A.sessions, A.ids);
      await S.signalDecrypt(S.SignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, B.sessions, B.ids);
    } else {
      const ct = await S.signalEncrypt(MESSAGE, aliceAddr, bobAddr, B.sessions, B.ids);
      await S.signalDecrypt(S.SignalMessage.deserialize(ct.serialize()), bobAddr, aliceAddr, A.sessions, A.ids);
    }
  });

  const aliceSk = new SenderKeys();
  const bobSk = new SenderKeys();
  const dist = '00000000-0000-4000-8000-000000000007';
  const skdm = await S.SenderKeyDistributionMessage.create(aliceAddr, dist, aliceSk);
  await S.processSenderKeyDistributionMessage(aliceAddr, S.SenderKeyDistributionMessage.deserialize(skdm.serialize()), bobSk);
  const sent = [];
  out.senderKeyEncrypt = await timeOps(5000, async () => {
    sent.push((await S.groupEncrypt(aliceAddr, dist, aliceSk, MESSAGE)).serialize());
  });
  let i = 0;
  out.senderKeyVerifyDecrypt = await timeOps(5000, async () => {
    await S.groupDecrypt(aliceAddr, bobSk, sent[i++]);
  });

  const dist2 = '00000000-0000-4000-8000-000000000009';
  const skdm2 = await S.SenderKeyDistributionMessage.create(aliceAddr, dist2, aliceSk);
  await S.processSenderKeyDistributionMessage(aliceAddr, S.SenderKeyDistributionMessage.deserialize(skdm2.serialize()), bobSk);
  const backlog = [];
  for (let k = 0; k < 10_000; k++) backlog.push((await S.groupEncrypt(aliceAddr, dist2, aliceSk, MESSAGE)).serialize());
  const t0 = performance.now();
  for (const m of backlog) await S.groupDecrypt(aliceAddr, bobSk, m);
  out.backlogMs = performance.now() - t0;
  return out;
}
