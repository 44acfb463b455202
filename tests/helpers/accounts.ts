/**
 * Test accounts and channels on a running server, through the public API only: register users
 * (the server must run with REGISTRATION_MODE=open, or the first user becomes owner), create a
 * community for its first channel, and open authenticated channel sockets.
 */
import { randomBytes } from 'node:crypto';
import type { RunningServer } from './server';
import { TestSocket } from './socket';

export interface TestUser {
  id: string;
  username: string;
  accessToken: string;
  refreshToken: string;
}

export const TEST_PASSWORD = 'correct horse battery staple';

export async function registerUser(server: RunningServer, username: string): Promise<TestUser> {
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ acceptTerms: 1, username, password: TEST_PASSWORD, recoveryVerifier: randomBytes(32).toString('base64url') }),
  });
  const body = (await res.json()) as { accessToken: string; refreshToken: string; user: { id: string; username: string }; error?: { message: string } };
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.user.id, username: body.user.username, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/** Calls the API as `user`; returns status and parsed JSON (or null for an empty body). */
export async function call(server: RunningServer, user: TestUser | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** Creates a community owned by `owner` and returns its id and first channel's id. */
export async function createCommunity(server: RunningServer, owner: TestUser, name = 'Test community'): Promise<{ communityId: string; channelId: string }> {
  const res = await call(server, owner, 'POST', '/api/communities', { name });
  if (res.status !== 201) throw new Error(`create community: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { community: { id: string }; channels: { id: string }[] };
  return { communityId: body.community.id, channelId: body.channels[0]!.id };
}

/** Adds `members` to the community through a fresh invite. */
export async function joinCommunity(server: RunningServer, owner: TestUser, communityId: string, members: TestUser[]): Promise<void> {
  const invite = await call(server, owner, 'POST', `/api/communities/${communityId}/invites`, {});
  if (invite.status !== 201) throw new Error(`invite: ${invite.status} ${JSON.stringify(invite.body)}`);
  const code = (invite.body as { code: string }).code;
  for (const m of members) {
    const joined = await call(server, m, 'POST', `/api/community-invites/${code}/join`);
    if (joined.status !== 200 && joined.status !== 201) throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body)}`);
  }
}

/**
 * Opens the channel socket as `user` (token in Sec-WebSocket-Protocol, as browsers do it),
 * offering chatalot.v2 like the web client, so envelopes may arrive batched; `v1` opens one
 * that never receives a batch (an older client).
 */
export function openChannel(server: RunningServer, user: TestUser, channelId: string, options: { v1?: boolean } = {}): Promise<TestSocket> {
  return TestSocket.open(`${server.wsUrl}/ws/channels/${channelId}`, {}, [...(options.v1 ? [] : ['chatalot.v2']), 'chatalot.v1', `bearer.${user.accessToken}`]);
}

/** A user with a community of their own, ready to relay: the common setup of relay tests. */
export async function userWithChannel(server: RunningServer, username: string) {
  const user = await registerUser(server, username);
  const { communityId, channelId } = await createCommunity(server, user);
  return { user, communityId, channelId };
}
