/**
 * Device and key routes for the client: register this device's public keys, upload prekeys,
 * look users up, list their devices and claim their prekey bundles. Bodies are typed from
 * protocol/keys.ts. The server vouches for nothing here: the caller verifies every bundle.
 */
import type { InferInput } from 'valibot';
import type { ClaimedBundle, RegisterDeviceRequest, UploadPreKeysRequest } from '../../../protocol/keys';
import { api, apiBytes } from './http';

export type { ClaimedBundle };

export interface OwnDevice {
  deviceId: string;
  name: string;
  identityKey: string;
  createdAt: number;
  lastSeenAt: number;
  oneTimePreKeys: number;
}
/** Someone else's device as the server shows it: id and identity key only (names and times are the owner's alone). */
export interface PublicDevice {
  deviceId: string;
  identityKey: string;
}
export interface UserRef {
  id: string;
  username: string;
  displayName: string;
}

export const registerDevice = (body: InferInput<typeof RegisterDeviceRequest>) => api<{ deviceId: string; oneTimePreKeys: number }>('/api/devices', { method: 'POST', body });
export const listOwnDevices = () => api<{ devices: OwnDevice[] }>('/api/devices');
export const removeDevice = (id: string, options: { signOut?: boolean } = {}) => api<void>(`/api/devices/${encodeURIComponent(id)}`, { method: 'DELETE', ...options });
export const uploadPreKeys = (deviceId: string, body: InferInput<typeof UploadPreKeysRequest>) =>
  api<{ oneTimePreKeys: number }>(`/api/devices/${encodeURIComponent(deviceId)}/prekeys`, { method: 'PUT', body });
export const userByName = (username: string) => api<UserRef>(`/api/users/by-name/${encodeURIComponent(username)}`);
export const userDevices = (userId: string) =>
  api<{ devices: PublicDevice[]; deviceList: { version: number; list: string } | null }>(`/api/users/${encodeURIComponent(userId)}/devices`);
/** Publishes this account's signed device list (the version must grow; 409 otherwise). */
export const putDeviceList = (version: number, list: string) => api<void>('/api/device-list', { method: 'PUT', body: { version, list } });
/** Devices and signed device lists of many users in one request; `missing` are those this account may not read. */
export const usersDevices = (userIds: string[]) =>
  api<{ users: { userId: string; devices: PublicDevice[]; deviceList: { version: number; list: string } | null }[]; missing: string[] }>('/api/users/devices', { method: 'POST', body: { userIds } });
/** Prekey bundles of many users in one request. */
export const claimBundlesMany = (userIds: string[]) => api<{ users: { userId: string; bundles: ClaimedBundle[] }[]; missing: string[] }>('/api/users/bundles', { method: 'POST', body: { userIds } });
export const claimBundles = (userId: string) => api<{ bundles: ClaimedBundle[] }>(`/api/users/${encodeURIComponent(userId)}/bundles`, { method: 'POST' });

/** Whether this account has a key backup on the server, and which version. */
export const keyBackupStatus = () => api<{ exists: boolean; version?: number; size?: number; updatedAt?: number }>('/api/key-backup/status');
/** The encrypted backup blob and its version. */
export async function fetchKeyBackup(): Promise<{ blob: Uint8Array; version: number }> {
  const { bytes, headers } = await apiBytes('/api/key-backup');
  return { blob: bytes, version: Number(headers.get('X-Backup-Version') ?? 0) };
}
/** Stores a new backup; the version must be higher than the stored one (409 otherwise). */
export const storeKeyBackup = (blob: Uint8Array, version: number) =>
  api<void>('/api/key-backup', { method: 'PUT', raw: blob, headers: { 'X-Backup-Version': String(version) } });
