/** Opening hub sockets for test users with freshly registered devices (random public keys are fine here). */
import { randomBytes } from 'node:crypto';
import { call, type TestUser } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import type { HubServerFrame } from '../../protocol/hub';

/** Registers a device for `user` and returns its id. */
export async function addDevice(server: RunningServer, user: TestUser, name = 'laptop'): Promise<string> {
  const b = (n: number) => randomBytes(n).toString('base64url');
  const res = await call(server, user, 'POST', '/api/devices', { name, identityKey: b(64), signedPreKey: { id: 1, createdAt: Date.now(), publicKey: b(32), signature: b(64) } });
  if (res.status !== 201) throw new Error(`device: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { deviceId: string }).deviceId;
}

/** Opens `user`'s hub socket for `deviceId` and waits for its `ready` frame. */
export async function openHub(server: RunningServer, user: TestUser, deviceId: string): Promise<TestSocket> {
  const s = await TestSocket.open(`${server.wsUrl}/ws/hub?device=${deviceId}`, {}, ['chatalot.v1', `bearer.${user.accessToken}`]);
  await s.next((f) => (f as unknown as HubServerFrame).type === 'ready');
  return s;
}

/** Frames of a hub socket, typed as hub frames. */
export function hubFrames(s: TestSocket): HubServerFrame[] {
  return s.frames as unknown as HubServerFrame[];
}

/** Waits for a hub frame matching `p`. */
export function nextHub<T extends HubServerFrame['type']>(s: TestSocket, type: T, p: (f: Extract<HubServerFrame, { type: T }>) => boolean = () => true, timeoutMs?: number) {
  return s.next<Extract<HubServerFrame, { type: T }>>((f) => (f as unknown as HubServerFrame).type === type && p(f as unknown as Extract<HubServerFrame, { type: T }>), timeoutMs);
}

/** Sends a ping and waits for its pong: everything the hub sent before it has arrived. */
export async function settle(s: TestSocket): Promise<void> {
  const before = s.frames.length;
  s.send({ type: 'ping' });
  await s.next((f) => f.type === 'pong' && s.frames.indexOf(f) >= before);
}
