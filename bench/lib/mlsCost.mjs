/**
 * What carrying a channel on MLS (RFC 9420) would cost, measured with ts-mls 1.6.4 (bench/package.json),
 * for `bench:groups-cost` (issue #21 item 5). Runs in a worker thread, one per cipher suite and
 * size, and posts each figure as soon as it has it, so that the parent can stop a size that runs
 * past its time budget and still report what was measured. All in Node, no server; each member
 * is a real ts-mls client state with its own keys.
 *
 * Steps, for a group of `size` member devices:
 * - set-up: one device creates the group and adds the others in one commit (key packages made
 *   first, not timed); the Welcome's size with the ratchet tree in it;
 * - join: one member builds its state from that Welcome;
 * - later message: a member encrypts an application message, another decrypts it;
 * - removal: a member commits the removal of another (what a leave costs the committer), and a
 *   third member processes that commit (what it costs every remaining member); then a second
 *   removal by another member, on a tree with one filled path;
 * - late join: a member adds one new device (commit and Welcome), and the new device joins.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  acceptAll, createApplicationMessage, createCommit, createGroup, defaultCapabilities, defaultLifetime, emptyPskIndex,
  encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl, joinGroup, processMessage,
} from 'ts-mls';

const { suite, size } = workerData;
const post = (step, fields) => parentPort.postMessage({ step, ...fields });
const enc = new TextEncoder();
const bytesOf = (m) => encodeMlsMessage(m).length;
const welcomeBytes = (w) => encodeMlsMessage({ welcome: w, wireformat: 'mls_welcome', version: 'mls10' }).length;
const timed = async (f) => {
  const start = performance.now();
  const value = await f();
  return [value, +(performance.now() - start).toFixed(1)];
};

const cs = await getCiphersuiteImpl(getCiphersuiteFromName(suite));
const device = (name) => generateKeyPackage({ credentialType: 'basic', identity: enc.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
const packages = [];
const [, keyPackagesMs] = await timed(async () => {
  for (let i = 0; i < size; i++) packages.push(await device(`device-${i}`));
});
post('key-packages', { ms: keyPackagesMs, perDeviceMs: +(keyPackagesMs / size).toFixed(2), keyPackageBytes: bytesOf({ keyPackage: packages[1].publicPackage, wireformat: 'mls_key_package', version: 'mls10' }) });

const [setup, setupMs] = await timed(async () => {
  const creator = await createGroup(enc.encode('channel'), packages[0].publicPackage, packages[0].privatePackage, [], cs);
  const adds = packages.slice(1).map((p) => ({ proposalType: 'add', add: { keyPackage: p.publicPackage } }));
  return createCommit({ state: creator, cipherSuite: cs }, { extraProposals: adds, ratchetTreeExtension: true });
});
post('set-up', { ms: setupMs, welcomeKiB: Math.round(welcomeBytes(setup.welcome) / 1024) });

const join = (i, welcome) => joinGroup(welcome, packages[i].publicPackage, packages[i].privatePackage, emptyPskIndex, cs);
let [a, joinMs] = await timed(() => join(1, setup.welcome));
let b = await join(2, setup.welcome);
let c = await join(3, setup.welcome);
post('join', { ms: joinMs });

const [sent, sendMs] = await timed(() => createApplicationMessage(a, enc.encode('a message of ordinary length, about sixty bytes long'), cs));
a = sent.newState;
const wire = { privateMessage: sent.privateMessage, wireformat: 'mls_private_message', version: 'mls10' };
const [, readMs] = await timed(async () => { b = (await processMessage(wire, b, emptyPskIndex, acceptAll, cs)).newState; });
post('message', { sendMs, readMs, bytes: bytesOf(wire) });

const remove = async (committer, removed, readers) => {
  const [commit, commitMs] = await timed(() => createCommit({ state: committer, cipherSuite: cs }, { extraProposals: [{ proposalType: 'remove', remove: { removed } }] }));
  const read = [];
  let readMs = 0;
  for (const reader of readers) {
    const [r, ms] = await timed(() => processMessage(commit.commit, reader, emptyPskIndex, acceptAll, cs));
    read.push(r.newState);
    readMs = ms;
  }
  return { committer: commit.newState, read, commitMs, readMs, commitKiB: +(bytesOf(commit.commit) / 1024).toFixed(1) };
};
const first = await remove(a, size - 1, [b, c]);
a = first.committer;
[b, c] = first.read;
post('removal', { commitMs: first.commitMs, readMs: first.readMs, commitKiB: first.commitKiB });
const second = await remove(b, size - 2, [a, c]);
b = second.committer;
[a, c] = second.read;
post('second-removal', { commitMs: second.commitMs, readMs: second.readMs, commitKiB: second.commitKiB });

const newcomer = await device('newcomer');
packages.push(newcomer);
const [added, addMs] = await timed(() => createCommit({ state: a, cipherSuite: cs }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: newcomer.publicPackage } }], ratchetTreeExtension: true }));
const [, addReadMs] = await timed(() => processMessage(added.commit, b, emptyPskIndex, acceptAll, cs));
post('add', { commitMs: addMs, readMs: addReadMs, commitKiB: +(bytesOf(added.commit) / 1024).toFixed(1), welcomeKiB: Math.round(welcomeBytes(added.welcome) / 1024) });
const [, lateJoinMs] = await timed(() => join(packages.length - 1, added.welcome));
post('late-join', { ms: lateJoinMs });
post('done', {});
