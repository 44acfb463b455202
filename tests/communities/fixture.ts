/**
 * Shared setup for the community tests: one real server per test file (`npm start`, open
 * registration), a handful of users registered once (Argon2 makes each registration cost about
 * half a second), and a JSON client that returns status and body. It asserts nothing itself.
 */
import { randomBytes } from 'node:crypto';
import { registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';

export type { TestUser };

export interface Reply {
  status: number;
  // Tests read whatever the route answered; the shapes are asserted where they matter.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One request as `user` (null: no token). A string body is sent as is, to test malformed input. */
export async function api(server: RunningServer, user: TestUser | null, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: parsed };
}

/** Uploads a four-byte file to `channelId` as `user` (one part, complete); its id. Throws on any refusal. */
export async function uploadTinyFile(server: RunningServer, user: TestUser, channelId: string): Promise<string> {
  const created = await api(server, user, 'POST', '/api/files', { channelId, size: 4 });
  if (created.status !== 201) throw new Error(`file: ${created.status} ${JSON.stringify(created.body)}`);
  const id = (created.body as { id: string }).id;
  const put = await fetch(`${server.url}/api/files/${id}/parts/0`, { method: 'PUT', headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/octet-stream' }, body: new Uint8Array([1, 2, 3, 4]) });
  if (put.status !== 200) throw new Error(`file part: ${put.status}`);
  return id;
}

/** A unique valid username with a readable prefix. */
export const uname = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

/** Starts a server and registers `names` users (plus a first account, which becomes instance owner). */
export async function setup<N extends string>(names: readonly N[], env: Record<string, string> = {}): Promise<{ server: RunningServer; operator: TestUser; users: Record<N, TestUser> }> {
  const server = await startServer({ env: { REGISTRATION_MODE: 'open', ...env } });
  // The first account becomes the instance owner; register it first so ordering is certain.
  const operator = await registerUser(server, uname('op'));
  const registered = await Promise.all(names.map((n) => registerUser(server, uname(n.slice(0, 12)))));
  const users = Object.fromEntries(names.map((n, i) => [n, registered[i]!])) as Record<N, TestUser>;
  return { server, operator, users };
}

/** Creates a community as `owner`; returns its id, first group and first channel. */
export async function community(server: RunningServer, owner: TestUser, name = 'Test community') {
  const r = await api(server, owner, 'POST', '/api/communities', { name });
  if (r.status !== 201) throw new Error(`create community: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.community.id as string, groupId: r.body.groups[0].id as string, channelId: r.body.channels[0].id as string };
}

/** Adds `members` through a fresh invite made by `inviter`. */
export async function join(server: RunningServer, inviter: TestUser, communityId: string, members: TestUser[]): Promise<void> {
  const invite = await api(server, inviter, 'POST', `/api/communities/${communityId}/invites`, {});
  if (invite.status !== 201) throw new Error(`invite: ${invite.status} ${JSON.stringify(invite.body)}`);
  for (const m of members) {
    const r = await api(server, m, 'POST', `/api/community-invites/${invite.body.code}/join`);
    if (r.status !== 200) throw new Error(`join: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/** Sets a member's built-in role as `actor`. */
export async function setRole(server: RunningServer, actor: TestUser, communityId: string, target: TestUser, role: 'admin' | 'moderator' | 'member'): Promise<void> {
  const r = await api(server, actor, 'PATCH', `/api/communities/${communityId}/members/${target.id}`, { role });
  if (r.status !== 200) throw new Error(`set role: ${r.status} ${JSON.stringify(r.body)}`);
}
