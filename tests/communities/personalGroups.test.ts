/**
 * Personal groups (issue 5 item 2; docs/permissions.md "Personal groups"), against the real
 * server: a moderator gives a member a private group they administer; the owner runs its
 * channels, overrides and messages but nothing outside it and nobody at moderator rank or above;
 * members off its list cannot see it (404 on the socket, absent from the community view);
 * moderators always see it, delete messages in it and keep privacy and invites to themselves.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Permission, PERSONAL_GROUP_OWNER } from '../../protocol/permissions';
import { openChannel } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { api, community, join, setRole, setup, type TestUser } from './fixture';
import { FRANKING } from '../helpers/franking';

let server: RunningServer;
let u: Record<'owner' | 'mod' | 'gowner' | 'friend' | 'stranger' | 'outsider', TestUser>;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  ({ server, users: u } = await setup(['owner', 'mod', 'gowner', 'friend', 'stranger', 'outsider'] as const));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.kill();
});

/** Close code for a member removed from the channel (durable-objects/ChannelRoom.ts). */
const CLOSE_REMOVED = 4003;

async function open(user: TestUser, channelId: string): Promise<TestSocket> {
  const s = await openChannel(server, user, channelId);
  sockets.push(s);
  s.send({ type: 'hello', lastSeq: 0 });
  await s.next((f) => f.type === 'ready');
  return s;
}

const msgId = () => randomBytes(12).toString('base64url');
/** Sends one envelope and waits for its ack or error. */
async function send(s: TestSocket, extra: Record<string, unknown> = {}) {
  const id = msgId();
  s.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: 'AAAA', ...extra });
  return s.next<{ type: string; seq?: number; error?: { code: string } }>(
    (f) => (f.type === 'ack' && (f as { clientMsgId?: string }).clientMsgId === id) || (f.type === 'error' && (f as { error?: { ref?: string } }).error?.ref === id),
  );
}

/** A community (owner, moderator, group owner, friend, stranger) with a personal group for `gowner` holding one channel. */
async function world() {
  const c = await community(server, u.owner);
  await join(server, u.owner, c.id, [u.mod, u.gowner, u.friend, u.stranger]);
  await setRole(server, u.owner, c.id, u.mod, 'moderator');
  const created = await api(server, u.mod, 'POST', `/api/communities/${c.id}/personal-groups`, { userId: u.gowner.id, name: 'Studio' });
  expect(created.status).toBe(201);
  const groupId = created.body.group.id as string;
  const ch = await api(server, u.gowner, 'POST', `/api/communities/${c.id}/channels`, { name: 'studio-chat', kind: 'text', groupId });
  expect(ch.status).toBe(201);
  return { c, groupId, channelId: ch.body.channel.id as string, group: created.body.group };
}

const visible = async (user: TestUser, communityId: string) => {
  const r = await api(server, user, 'GET', `/api/communities/${communityId}`);
  expect(r.status).toBe(200);
  return { groups: (r.body.groups as { id: string }[]).map((g) => g.id), channels: (r.body.channels as { id: string; permissions: number }[]) };
};

describe('personal groups', () => {
  it('5.2: a moderator creates a private personal group; its owner creates, renames and moderates channels in it', async () => {
    const { c, groupId, channelId, group } = await world();
    expect(group).toMatchObject({ ownerUserId: u.gowner.id, private: true, name: 'Studio' });
    const mine = await visible(u.gowner, c.id);
    expect(mine.groups).toContain(groupId);
    const bits = mine.channels.find((x) => x.id === channelId)!.permissions;
    expect(bits & PERSONAL_GROUP_OWNER).toBe(PERSONAL_GROUP_OWNER);
    expect((await api(server, u.gowner, 'PATCH', `/api/channels/${channelId}`, { name: 'renamed', slowModeSeconds: 5 })).status).toBe(200);
    expect((await api(server, u.gowner, 'PATCH', `/api/communities/${c.id}/personal-groups/${groupId}`, { name: 'Atelier' })).status).toBe(200);
    const second = await api(server, u.gowner, 'POST', `/api/communities/${c.id}/channels`, { name: 'scratch', kind: 'voice', groupId });
    expect(second.status).toBe(201);
    expect((await api(server, u.gowner, 'DELETE', `/api/channels/${second.body.channel.id}`)).status).toBe(204);

    // The owner adds a friend, who can then see and talk; the owner deletes the friend's message.
    expect((await api(server, u.gowner, 'PUT', `/api/communities/${c.id}/personal-groups/${groupId}/members/${u.friend.id}`)).status).toBe(204);
    const list = await api(server, u.friend, 'GET', `/api/communities/${c.id}/personal-groups/${groupId}/members`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ ownerUserId: u.gowner.id, members: [{ userId: u.friend.id }] });
    const friend = await open(u.friend, channelId);
    const said = await send(friend);
    expect(said.type).toBe('ack');
    const owner = await open(u.gowner, channelId);
    expect((await send(owner, { kind: 'delete', target: said.seq })).type).toBe('ack');
    // The owner may set a member override for a plain member in their group.
    expect((await api(server, u.gowner, 'PUT', `/api/channels/${channelId}/overrides`, { targetType: 'member', targetId: u.friend.id, allow: 0, deny: Permission.REACT })).status).toBe(204);
  });

  it('5.2: a member off the list cannot see the group: absent from the community view, 404 on socket and routes, until added', async () => {
    const { c, groupId, channelId } = await world();
    const before = await visible(u.stranger, c.id);
    expect(before.groups).not.toContain(groupId);
    expect(before.channels.map((x) => x.id)).not.toContain(channelId);
    await expect(openChannel(server, u.stranger, channelId)).rejects.toThrow(/404/);
    expect((await api(server, u.stranger, 'GET', `/api/channels/${channelId}/members`)).status).toBe(404);
    expect((await api(server, u.stranger, 'GET', `/api/communities/${c.id}/personal-groups/${groupId}/members`)).status).toBe(404);
    // A channel override cannot open a private group to someone off its list, even from the community owner.
    expect((await api(server, u.owner, 'PUT', `/api/channels/${channelId}/overrides`, { targetType: 'member', targetId: u.stranger.id, allow: Permission.VIEW, deny: 0 })).status).toBe(204);
    await expect(openChannel(server, u.stranger, channelId)).rejects.toThrow(/404/);

    expect((await api(server, u.gowner, 'PUT', `/api/communities/${c.id}/personal-groups/${groupId}/members/${u.stranger.id}`)).status).toBe(204);
    const after = await visible(u.stranger, c.id);
    expect(after.groups).toContain(groupId);
    expect(after.channels.map((x) => x.id)).toContain(channelId);
    const socket = await open(u.stranger, channelId);
    // Taken off the list, their socket closes at once and the group disappears again.
    const witness = await open(u.gowner, channelId);
    expect((await api(server, u.gowner, 'DELETE', `/api/communities/${c.id}/personal-groups/${groupId}/members/${u.stranger.id}`)).status).toBe(204);
    expect((await socket.waitClosed(1000)).code).toBe(CLOSE_REMOVED);
    expect(witness.closed).toBeUndefined();
    expect((await visible(u.stranger, c.id)).groups).not.toContain(groupId);
    await expect(openChannel(server, u.stranger, channelId)).rejects.toThrow(/404/);
  });

  it('5.2: moderators always see the group and delete messages in it; the owner cannot override them away', async () => {
    const { c, groupId, channelId } = await world();
    const modView = await visible(u.mod, c.id);
    expect(modView.groups).toContain(groupId);
    const bits = modView.channels.find((x) => x.id === channelId)!.permissions;
    expect(bits & (Permission.VIEW | Permission.MANAGE_MESSAGES)).toBe(Permission.VIEW | Permission.MANAGE_MESSAGES);
    // The owner cannot set a member override on a moderator…
    expect((await api(server, u.gowner, 'PUT', `/api/channels/${channelId}/overrides`, { targetType: 'member', targetId: u.mod.id, allow: 0, deny: Permission.VIEW })).status).toBe(403);
    // …and even the community owner's deny cannot hide the group from moderators.
    expect((await api(server, u.owner, 'PUT', `/api/channels/${channelId}/overrides`, { targetType: 'member', targetId: u.mod.id, allow: 0, deny: Permission.VIEW | Permission.MANAGE_MESSAGES })).status).toBe(204);
    const owner = await open(u.gowner, channelId);
    const said = await send(owner);
    expect(said.type).toBe('ack');
    const mod = await open(u.mod, channelId);
    expect((await send(mod, { kind: 'delete', target: said.seq })).type).toBe('ack');
  });

  it('5.2, Z4: in their group the owner deletes members’ messages but not a moderator’s, which outranks them', async () => {
    const { c, groupId, channelId } = await world();
    expect((await api(server, u.gowner, 'PUT', `/api/communities/${c.id}/personal-groups/${groupId}/members/${u.friend.id}`)).status).toBeLessThan(300);
    const mod = await open(u.mod, channelId);
    const friend = await open(u.friend, channelId);
    const owner = await open(u.gowner, channelId);
    const byMod = await send(mod);
    const byFriend = await send(friend);
    expect([byMod.type, byFriend.type]).toEqual(['ack', 'ack']);
    const refused = await send(owner, { kind: 'delete', target: byMod.seq });
    expect(refused.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('outranks') });
    expect((await send(owner, { kind: 'delete', target: byFriend.seq })).type).toBe('ack');
    // The moderator's rank is remembered by the room, so the check holds after the moderator leaves the channel.
    mod.close();
    expect((await send(owner, { kind: 'delete', target: byMod.seq })).error?.code).toBe('forbidden');
  });

  it('5.2: the owner cannot act outside the group, move channels out of it, change its privacy, delete it or act on moderators', async () => {
    const { c, groupId, channelId } = await world();
    const base = `/api/communities/${c.id}`;
    expect((await api(server, u.gowner, 'POST', `${base}/channels`, { name: 'x', kind: 'text' })).status).toBe(403);
    expect((await api(server, u.gowner, 'POST', `${base}/channels`, { name: 'x', kind: 'text', groupId: c.groupId })).status).toBe(403);
    expect((await api(server, u.gowner, 'PATCH', `/api/channels/${c.channelId}`, { name: 'hijacked' })).status).toBe(403);
    expect((await api(server, u.gowner, 'DELETE', `/api/channels/${c.channelId}`)).status).toBe(403);
    expect((await api(server, u.gowner, 'PUT', `/api/channels/${c.channelId}/overrides`, { targetType: 'member', targetId: u.friend.id, allow: 0, deny: Permission.SEND })).status).toBe(403);
    expect((await api(server, u.gowner, 'PATCH', `/api/channels/${channelId}`, { groupId: c.groupId })).status).toBe(403);
    expect((await api(server, u.gowner, 'PATCH', `/api/channels/${channelId}`, { groupId: null })).status).toBe(403);
    expect((await api(server, u.gowner, 'PATCH', `${base}/personal-groups/${groupId}`, { private: false })).status).toBe(403);
    expect((await api(server, u.gowner, 'DELETE', `${base}/personal-groups/${groupId}`)).status).toBe(403);
    expect((await api(server, u.gowner, 'POST', `${base}/personal-groups`, { userId: u.friend.id, name: 'Mine too' })).status).toBe(403);
    expect((await api(server, u.gowner, 'DELETE', `${base}/members/${u.friend.id}`)).status).toBe(403);
    expect((await api(server, u.gowner, 'PATCH', `${base}/groups/${groupId}`, { name: 'x' })).status).toBe(403);
    // Outside the group their bits are a plain member's; the general channel shows no management bits.
    const general = (await visible(u.gowner, c.id)).channels.find((x) => x.id === c.channelId)!.permissions;
    expect(general & (Permission.MANAGE_CHANNELS | Permission.MANAGE_MESSAGES | Permission.MANAGE_ROLES)).toBe(0);
    // Only existing community members can be put on the list: the list is no invite.
    expect((await api(server, u.gowner, 'PUT', `${base}/personal-groups/${groupId}/members/${u.outsider.id}`)).status).toBe(404);
  });

  it('5.2: moderators control privacy and deletion; deleting the group takes its channels and closes their sockets', async () => {
    const { c, groupId, channelId } = await world();
    expect((await api(server, u.mod, 'PATCH', `/api/communities/${c.id}/personal-groups/${groupId}`, { private: false })).status).toBe(200);
    expect((await visible(u.stranger, c.id)).channels.map((x) => x.id)).toContain(channelId);
    const stranger = await open(u.stranger, channelId);
    expect((await api(server, u.mod, 'PATCH', `/api/communities/${c.id}/personal-groups/${groupId}`, { private: true })).status).toBe(200);
    expect((await stranger.waitClosed(1000)).code).toBe(CLOSE_REMOVED);
    const owner = await open(u.gowner, channelId);
    expect((await api(server, u.mod, 'DELETE', `/api/communities/${c.id}/personal-groups/${groupId}`)).status).toBe(204);
    expect((await owner.waitClosed(1000)).code).toBe(CLOSE_REMOVED);
    expect((await api(server, u.owner, 'GET', `/api/channels/${channelId}/members`)).status).toBe(404);
    const after = await visible(u.owner, c.id);
    expect(after.groups).not.toContain(groupId);
    expect(after.channels.map((x) => x.id)).not.toContain(channelId);
  });

  it('Z1: authorization matrix for the personal-group routes: no token 401, non-member 404, plain member 403 (or 404 where the group is hidden)', async () => {
    const { c, groupId } = await world();
    const base = `/api/communities/${c.id}/personal-groups`;
    // friend is on the list: they can see the group but not manage it.
    expect((await api(server, u.gowner, 'PUT', `${base}/${groupId}/members/${u.friend.id}`)).status).toBe(204);
    const routes: [string, string, unknown?][] = [
      ['POST', base, { userId: u.stranger.id, name: 'x' }],
      ['PATCH', `${base}/${groupId}`, { name: 'x' }],
      ['DELETE', `${base}/${groupId}`],
      ['GET', `${base}/${groupId}/members`],
      ['PUT', `${base}/${groupId}/members/${u.stranger.id}`],
      ['DELETE', `${base}/${groupId}/members/${u.friend.id}`],
    ];
    for (const [method, path, body] of routes) {
      expect((await api(server, null, method, path, body)).status, `${method} ${path} without token`).toBe(401);
      expect((await api(server, u.outsider, method, path, body)).status, `${method} ${path} as non-member`).toBe(404);
      const asStranger = (await api(server, u.stranger, method, path, body)).status;
      // POST is open to nobody below moderator; the group's own routes hide it from those off its list.
      expect(asStranger, `${method} ${path} as member off the list`).toBe(method === 'POST' ? 403 : 404);
      if (method !== 'GET' && method !== 'POST') expect((await api(server, u.friend, method, path, body)).status, `${method} ${path} as listed member`).toBe(403);
    }
    expect((await api(server, u.friend, 'GET', `${base}/${groupId}/members`)).status).toBe(200);
    // Unknown and ordinary groups are no personal groups.
    expect((await api(server, u.mod, 'GET', `${base}/nosuchgroup/members`)).status).toBe(404);
    expect((await api(server, u.mod, 'GET', `${base}/${c.groupId}/members`)).status).toBe(404);
    // A personal group for someone who is not a member: 404; strict bodies: 400.
    expect((await api(server, u.mod, 'POST', base, { userId: u.outsider.id, name: 'x' })).status).toBe(404);
    expect((await api(server, u.mod, 'POST', base, { userId: u.friend.id, name: 'x', ownerUserId: u.friend.id })).status).toBe(400);
  });
});
