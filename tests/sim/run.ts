/**
 * One seeded run of the simulation (issue #20): a community with two channels, members with
 * several devices each, and a schedule drawn from the seed of what people and their devices do —
 * send, catch up, join, leave, be kicked, add a device, approve it, remove one, drop the hub
 * socket. At the end every device is given every envelope of both channels and the invariant is
 * checked:
 *
 * - **entitled → readable**: every device that was approved and whose owner was a member when a
 *   message was sent reads it, with the text that was sent, by the end of the run (if it still
 *   exists and its owner is still a member: one who left cannot fetch history any more);
 * - **not entitled → unreadable**: no device of someone who was not a member at the time
 *   (left, kicked, or never joined), no removed device, and no device not yet approved reads it,
 *   even when handed the ciphertext (a server, or anyone who kept the envelope, can do that).
 *
 * The schedule depends only on the seed, so a failing seed replays the same sequence of actions;
 * the timing of the network and the randomness of the keys are not seeded, and the report says
 * which step did what so a failure can be read.
 *
 * Decided: a device's own messages are not checked on that device (the app keeps what it sent
 * in its message cache; a sender-key chain is not meant to re-open its own past output once
 * rotated).
 */
import { randomBytes } from 'node:crypto';
import type { EnvelopeOut } from '../../protocol/frames';
import { resetIndexedDb, SimDevice, SimUser, Transcript, type World } from './world';

export interface SimOptions {
  seed: number;
  steps: number;
  /** People besides the owner. */
  users?: number;
  /** Most devices one person has at once. */
  maxDevices?: number;
  /**
   * Which kinds of step the schedule draws from (default: all). A regression seed names the kinds
   * it was found with, so adding a kind later does not change the schedule it replays.
   */
  events?: readonly SimEvent[];
  /** Called with each step as it is taken (for a replay's report). */
  log?: (line: string) => void;
}

/** The kinds of step, in the order the schedule weighs them. */
export const SIM_EVENTS = ['send', 'catch-up', 'join', 'leave', 'kick', 'add-device', 'approve', 'remove-device', 'restore', 'restart', 'reconnect', 'ban', 'unban', 'new-recovery-code', 'drop-mid-send', 'expire-token', 'hibernate'] as const;
export type SimEvent = (typeof SIM_EVENTS)[number];
/** The kinds the first regression seeds were found with (before restore and restart existed). */
export const FIRST_EVENTS: readonly SimEvent[] = ['send', 'catch-up', 'join', 'leave', 'kick', 'add-device', 'approve', 'remove-device', 'reconnect'];
/** …and the kinds after restores and restarts came (before bans and new recovery codes). */
export const SECOND_EVENTS: readonly SimEvent[] = ['send', 'catch-up', 'join', 'leave', 'kick', 'add-device', 'approve', 'remove-device', 'restore', 'restart', 'reconnect'];

/** …and every kind once tokens expired and rooms hibernated (the kinds of the 1,000-seed run's finds). */
export const THIRD_EVENTS: readonly SimEvent[] = ['send', 'catch-up', 'join', 'leave', 'kick', 'add-device', 'approve', 'remove-device', 'restore', 'restart', 'reconnect', 'ban', 'unban', 'new-recovery-code', 'drop-mid-send', 'expire-token', 'hibernate'];

export type Entitlement = 'entitled' | 'not-member' | 'removed' | 'unapproved';

interface SentMessage {
  channelId: string;
  seq: number;
  text: string;
  sender: string;
  step: number;
  /** Every device that existed when the room accepted it, and what it was entitled to. */
  entitlement: Map<string, Entitlement>;
}

export interface SimResult {
  seed: number;
  steps: number;
  messages: number;
  /** Entitled (message, device) pairs checked at the end. */
  deliveries: number;
  violations: Record<string, number>;
  /** The first few violations, readable. */
  examples: string[];
  /** What was done, step by step (the last 200 steps). */
  trail: string[];
  elapsedMs: number;
}

/** A small seeded PRNG (mulberry32): the schedule, not keys. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

/** Failures the app opens again when a key arrives (client/src/stores/ChannelSession.ts): the simulation does the same. */
const RETRYABLE = new Set(['waiting-for-key', 'not-a-recipient', 'sent-before-join']);
const STEP_TIMEOUT_MS = 60_000;
/** Server restarts in one run (each costs a few seconds). */
const MAX_RESTARTS = 2;
/**
 * How long a `hibernate` step leaves every room and hub untouched, ms: past workerd's eviction of
 * an idle Durable Object (about 10 s), so the rooms come back from storage and their hibernated
 * sockets' attachments (R6) when the next step touches them.
 */
const HIBERNATE_IDLE_MS = 12_000;
/** Hibernations in one run (each costs HIBERNATE_IDLE_MS). */
const MAX_HIBERNATES = 2;
/**
 * How long the end of a run waits for the last keys to arrive once nothing changes any more, ms:
 * longer than a key re-request's interval (30 s), so a request whose answer was lost (a restart)
 * is asked again before anything is counted. A run where everything arrives ends at once.
 */
const SETTLE_QUIET_MS = 35_000;
/** …and at most, in all. */
const SETTLE_MAX_MS = 120_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
}

export async function runSimulation(world: World, options: SimOptions): Promise<SimResult> {
  const started = Date.now();
  const { seed, steps } = options;
  // A fresh IndexedDB per run: the last run's databases go with their devices.
  resetIndexedDb();
  const rng = prng(seed);
  const tag = `s${seed.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const violations: Record<string, number> = {};
  const examples: string[] = [];
  const trail: string[] = [];
  const violation = (kind: string, detail: string) => {
    violations[kind] = (violations[kind] ?? 0) + 1;
    if (examples.length < 20) examples.push(`${kind}: ${detail}`);
  };
  const note = (line: string) => {
    trail.push(line);
    if (trail.length > 200) trail.shift();
    options.log?.(line);
  };

  // The owner, a community with two channels and an invite everyone joins with.
  const owner = new SimUser(`${tag}o`);
  await SimDevice.start(owner, `${tag}o-d0`);
  owner.member = true;
  const oc = owner.primary.client.communities;
  const community = await oc.createCommunity({ name: `Sim ${seed}` });
  const second = await oc.createChannel(community.community.id, { name: 'second', kind: 'text' });
  const channelIds = [community.channels[0]!.id, second.channel.id];
  const invite = await oc.createInvite(community.community.id, {});
  const transcripts = new Map<string, Transcript>();
  for (const id of channelIds) transcripts.set(id, await Transcript.open(world.server, owner.primary, id));
  const head = new Map<string, number>(channelIds.map((id) => [id, 0]));

  const users = [owner];
  for (let i = 0; i < (options.users ?? 5); i++) {
    const u = new SimUser(`${tag}u${i}`);
    await SimDevice.start(u, `${u.name}-d0`);
    users.push(u);
    if (i % 2 === 0) {
      await u.primary.client.communities.joinByInvite(invite.code);
      u.member = true;
    }
  }
  const maxDevices = options.maxDevices ?? 3;
  let deviceCounter = 0;
  const sent: SentMessage[] = [];
  const allDevices = () => users.flatMap((u) => u.devices);

  const entitlementNow = (sender: SimDevice) => {
    const out = new Map<string, Entitlement>();
    for (const u of users)
      for (const d of u.devices) {
        if (d === sender) continue;
        out.set(d.name, d.state === 'removed' ? 'removed' : !u.member ? 'not-member' : d.state === 'pending' ? 'unapproved' : 'entitled');
      }
    return out;
  };

  /** Hands `device` the envelopes it has not seen in `channelId` (and again those still waiting for their key), in order. */
  const catchUp = async (device: SimDevice, channelId: string) => {
    const transcript = transcripts.get(channelId)!;
    const upTo = head.get(channelId)!;
    if (upTo === 0) return;
    const envelopes = await transcript.upTo(upTo);
    const from = device.cursor.get(channelId) ?? 0;
    const todo: EnvelopeOut[] = [];
    for (const env of envelopes) {
      const r = device.opened.get(`${channelId}#${env.seq}`);
      const own = sentBy.get(`${channelId}#${env.seq}`) === device.name;
      if (own) continue;
      if (env.seq > from || (r && !r.ok && RETRYABLE.has(r.code))) todo.push(env);
    }
    device.cursor.set(channelId, upTo);
    await device.open(channelId, todo);
  };
  const sentBy = new Map<string, string>();
  let restarts = 0;
  let hibernates = 0;

  type Action = { weight: number; name: SimEvent; run: () => Promise<void> };
  const allowed = new Set<SimEvent>(options.events ?? SIM_EVENTS);
  for (let step = 1; step <= steps; step++) {
    const members = users.filter((u) => u.member);
    const others = users.filter((u) => !u.member && !u.banned);
    const memberDevices = members.flatMap((u) => u.live);
    const actions: Action[] = [];
    const senders = members.flatMap((u) => u.live.filter((d) => d.state === 'approved'));
    if (senders.length)
      actions.push({
        weight: 40,
        name: 'send',
        run: async () => {
          const device = rng.pick(senders);
          const channelId = rng.pick(channelIds);
          const text = `${tag} step ${step}`;
          note(`${step} send ${device.name} → ${channelIds.indexOf(channelId)}`);
          // The app's outbox tries again (every 3 s) when a distribution failed half-way or the
          // hub was reconnecting; so does this, a few times.
          for (let attempt = 1; ; attempt++) {
            try {
              const seq = await device.send(world.server, channelId, text, head.get(channelId)!);
              head.set(channelId, Math.max(head.get(channelId)!, seq));
              sent.push({ channelId, seq, text, sender: device.name, step, entitlement: entitlementNow(device) });
              sentBy.set(`${channelId}#${seq}`, device.name);
              return;
            } catch (e) {
              if (attempt >= 6) {
                violation('send-failed', `step ${step} ${device.name}: ${(e as Error).message}`);
                return;
              }
              await new Promise((r) => setTimeout(r, 1000 * attempt));
            }
          }
        },
      });
    if (memberDevices.length)
      actions.push({
        weight: 20,
        name: 'catch-up',
        run: async () => {
          const device = rng.pick(memberDevices);
          note(`${step} catch-up ${device.name}`);
          for (const id of channelIds) await catchUp(device, id);
        },
      });
    if (others.length)
      actions.push({
        weight: 6,
        name: 'join',
        run: async () => {
          const u = rng.pick(others);
          note(`${step} join ${u.name}`);
          await u.primary.client.communities.joinByInvite(invite.code);
          u.member = true;
        },
      });
    const leavers = members.filter((u) => u !== owner);
    if (leavers.length) {
      actions.push({
        weight: 3,
        name: 'leave',
        run: async () => {
          const u = rng.pick(leavers);
          note(`${step} leave ${u.name}`);
          await u.primary.client.communities.leaveCommunity(community.community.id);
          u.member = false;
        },
      });
      actions.push({
        weight: 2,
        name: 'kick',
        run: async () => {
          const u = rng.pick(leavers);
          note(`${step} kick ${u.name}`);
          await owner.primary.client.communities.kickMember(community.community.id, u.id);
          u.member = false;
        },
      });
    }
    if (leavers.length)
      actions.push({
        weight: 1,
        name: 'ban',
        run: async () => {
          const u = rng.pick(leavers);
          note(`${step} ban ${u.name}`);
          await owner.primary.client.http.api(`/api/communities/${community.community.id}/bans`, { method: 'POST', body: { userId: u.id, reason: 'simulated' } });
          u.member = false;
          u.banned = true;
        },
      });
    const bannedUsers = users.filter((u) => u.banned);
    if (bannedUsers.length)
      actions.push({
        weight: 1,
        name: 'unban',
        run: async () => {
          const u = rng.pick(bannedUsers);
          note(`${step} unban ${u.name}`);
          await owner.primary.client.http.api(`/api/communities/${community.community.id}/bans/${u.id}`, { method: 'DELETE' });
          u.banned = false;
        },
      });
    actions.push({
      weight: 1,
      name: 'new-recovery-code',
      run: async () => {
        const u = rng.pick(users);
        note(`${step} new-recovery-code ${u.name}`);
        // Made on the device that keeps the backup; the account's other devices that keep it too
        // are told at once and ask for the new code, which the person then types there.
        const keeping = u.live.filter((d) => d !== u.primary && d.state === 'approved' && d.engine.backup.enabled);
        u.backupKey = new Uint8Array(randomBytes(32));
        await u.primary.engine.backup.rekey(u.backupKey);
        for (const d of keeping) {
          const by = Date.now() + 30_000;
          while (d.engine.backup.status().kind !== 'stale-key') {
            if (Date.now() > by) throw new Error(`${d.name} was not told of the new recovery code`);
            await new Promise((r) => setTimeout(r, 100));
          }
          await d.engine.backup.enable(u.backupKey);
        }
      },
    });
    const growable = users.filter((u) => u.live.length < maxDevices);
    if (growable.length)
      actions.push({
        weight: 5,
        name: 'add-device',
        run: async () => {
          const u = rng.pick(growable);
          const name = `${u.name}-d${++deviceCounter}`;
          note(`${step} add-device ${name}`);
          await SimDevice.start(u, name);
        },
      });
    const pending = users.flatMap((u) => u.live.filter((d) => d.state === 'pending'));
    if (pending.length)
      actions.push({
        weight: 8,
        name: 'approve',
        run: async () => {
          const d = rng.pick(pending);
          note(`${step} approve ${d.name}`);
          const mine = await d.user.primary.client.keys.listOwnDevices();
          const listed = mine.devices.find((x) => x.deviceId === d.deviceId);
          if (!listed) throw new Error(`${d.name} is not among its account's devices`);
          await d.user.primary.engine.lists.approve({ deviceId: listed.deviceId, identityKey: listed.identityKey });
          d.state = 'approved';
        },
      });
    const removable = users.flatMap((u) => u.live.filter((d) => d !== u.primary));
    if (removable.length)
      actions.push({
        weight: 3,
        name: 'remove-device',
        run: async () => {
          const d = rng.pick(removable);
          note(`${step} remove-device ${d.name}`);
          // As the devices screen does it: off the signed list first, then off the server.
          await d.user.primary.engine.lists.withdraw(d.deviceId);
          await d.user.primary.client.keys.removeDevice(d.deviceId);
          d.state = 'removed';
          d.stop();
        },
      });
    if (pending.length)
      actions.push({
        weight: 4,
        name: 'restore',
        run: async () => {
          const d = rng.pick(pending);
          note(`${step} restore ${d.name}`);
          const primary = d.user.primary;
          // The backup is as complete as its keeping device could make it: that device has opened
          // what it can (keys in flight arrive) and uploaded.
          const deadline = Date.now() + 5_000;
          for (;;) {
            for (const id of channelIds) await catchUp(primary, id);
            const missing = sent.some((m) => m.entitlement.get(primary.name) === 'entitled' && !primary.opened.get(`${m.channelId}#${m.seq}`)?.ok);
            if (!missing || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 250));
          }
          // Twice: a sync asked for while one runs joins it, and that one may have read the keys
          // before the last ones arrived; the second starts after it.
          await primary.engine.backup.sync(true);
          await primary.engine.backup.sync(true);
          // The recovery code on the new device: it merges the backup (history and the account
          // key) and, holding the account key, approves itself.
          await d.engine.backup.enable(d.user.backupKey);
          const approvedBy = Date.now() + 15_000;
          while (d.engine.lists.own().kind !== 'approved') {
            if (Date.now() > approvedBy) throw new Error(`${d.name} did not approve itself after restoring the backup`);
            await new Promise((r) => setTimeout(r, 100));
          }
          d.state = 'approved';
          // What it is now entitled to from before: what the backup covered, i.e. what the
          // keeping device could read. The rest it may or may not come to read (no claim either way).
          for (const m of sent) {
            if (!m.entitlement.has(d.name)) continue;
            if (primary.opened.get(`${m.channelId}#${m.seq}`)?.ok) m.entitlement.set(d.name, 'entitled');
            else m.entitlement.delete(d.name);
          }
        },
      });
    if (restarts < MAX_RESTARTS)
      actions.push({
        weight: 1,
        name: 'restart',
        run: async () => {
          note(`${step} restart the server`);
          restarts++;
          await world.restart();
          for (const t of transcripts.values()) await t.reopen(world.server, owner.primary);
        },
      });
    if (hibernates < MAX_HIBERNATES)
      actions.push({
        weight: 1,
        name: 'hibernate',
        run: async () => {
          note(`${step} hibernate: nothing touches the server for ${HIBERNATE_IDLE_MS / 1000} s`);
          hibernates++;
          await new Promise((r) => setTimeout(r, HIBERNATE_IDLE_MS));
        },
      });
    const connected = users.flatMap((u) => u.live);
    actions.push({
      weight: 2,
      name: 'expire-token',
      run: async () => {
        const d = rng.pick(connected);
        note(`${step} expire-token ${d.name} (and reconnect its hub, which must refresh first)`);
        await d.expireAccessToken(world);
        d.engine.hub.reconnect();
      },
    });
    actions.push({
      weight: 5,
      name: 'reconnect',
      run: async () => {
        const d = rng.pick(connected);
        note(`${step} reconnect ${d.name}`);
        d.engine.hub.reconnect();
      },
    });

    // A network blip during a send: every sending device's hub connection is cut (no close frame)
    // a few milliseconds in, so the key distribution it starts may be cut mid-frame; the app's
    // outbox sends again once the hub is back.
    if (senders.length && allowed.has('drop-mid-send')) {
      const send = actions.find((a) => a.name === 'send')!;
      const cutAfterMs = Math.floor(rng.next() * 30);
      actions.push({
        weight: 3,
        name: 'drop-mid-send',
        run: async () => {
          note(`${step} drop-mid-send: hub connections cut ${cutAfterMs} ms into the send`);
          const cut = new Promise<void>((r) =>
            setTimeout(() => {
              for (const d of senders) d.dropHubConnection();
              r();
            }, cutAfterMs),
          );
          await Promise.all([send.run(), cut]);
        },
      });
    }
    const drawn = actions.filter((a) => allowed.has(a.name));
    let roll = rng.next() * drawn.reduce((s, a) => s + a.weight, 0);
    const action = drawn.find((a) => (roll -= a.weight) < 0) ?? drawn[drawn.length - 1]!;
    try {
      await withTimeout(action.run(), `step ${step} ${action.name}`);
    } catch (e) {
      violation('step-failed', `step ${step} ${action.name}: ${(e as Error).message}`);
    }
  }

  // The end: every remaining member device catches up until each entitled message is read or
  // nothing has changed for SETTLE_QUIET_MS (keys still in flight arrive meanwhile).
  const finalists = users.filter((u) => u.member).flatMap((u) => u.live);
  const waiting = () => {
    let n = 0;
    for (const m of sent)
      for (const d of finalists) if (m.entitlement.get(d.name) === 'entitled' && !d.opened.get(`${m.channelId}#${m.seq}`)?.ok) n++;
    return n;
  };
  const settleStart = Date.now();
  let lastChange = Date.now();
  let left = Infinity;
  for (;;) {
    for (const d of finalists) for (const id of channelIds) await catchUp(d, id);
    const now = waiting();
    if (now < left) lastChange = Date.now();
    left = now;
    if (left === 0 || Date.now() - lastChange > SETTLE_QUIET_MS || Date.now() - settleStart > SETTLE_MAX_MS) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // Everyone else is handed the ciphertexts too: what they must not read, they must fail to open.
  for (const d of allDevices()) if (!finalists.includes(d)) for (const id of channelIds) await catchUp(d, id).catch((e) => violation('open-threw', `${d.name}: ${(e as Error).message}`));

  let deliveries = 0;
  for (const m of sent)
    for (const [name, entitlement] of m.entitlement) {
      const d = allDevices().find((x) => x.name === name)!;
      const r = d.opened.get(`${m.channelId}#${m.seq}`);
      const where = `step ${m.step} (${m.sender} → channel ${channelIds.indexOf(m.channelId)} seq ${m.seq}) on ${name}`;
      if (entitlement === 'entitled') {
        if (!finalists.includes(d)) continue;
        deliveries++;
        if (!r) violation('unreadable:not-opened', where);
        else if (!r.ok) violation(`unreadable:${r.code}`, where);
        else if (r.text !== m.text) violation('wrong-plaintext', `${where}: ${JSON.stringify(r.text)}`);
      } else if (r?.ok) violation(entitlement === 'unapproved' ? 'readable-unapproved' : `readable-not-entitled:${entitlement}`, where);
    }

  for (const t of transcripts.values()) t.close();
  for (const d of allDevices()) if (d.state !== 'removed') d.stop();
  return { seed, steps, messages: sent.length, deliveries, violations, examples, trail, elapsedMs: Date.now() - started };
}
