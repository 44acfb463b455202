/**
 * Avatars, banners, community icons and custom emoji (issue #13 items 5 and 6). These are not
 * end-to-end encrypted: every member sees them, and the server checks and serves them as
 * uploaded (protocol/images.ts). Bodies are the image bytes, already cropped and scaled here.
 */
import type { PublicUser } from '../../../protocol/auth';
import type { CustomEmoji } from '../../../protocol/images';
import type { CommunitySummary, Dm } from './communities';
import { api } from './http';

/** Where an image is served: a plain URL, since an <img> sends no token (the id is the capability). */
export const imageUrl = (id: string) => `/api/images/${encodeURIComponent(id)}`;

const raw = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
const c = (id: string) => `/api/communities/${encodeURIComponent(id)}`;

export const setProfileImage = async (slot: 'avatar' | 'banner', image: Blob) => api<PublicUser>(`/api/me/${slot}`, { method: 'PUT', raw: await raw(image) });
export const removeProfileImage = (slot: 'avatar' | 'banner') => api<PublicUser>(`/api/me/${slot}`, { method: 'DELETE' });

export const setCommunityImage = async (communityId: string, slot: 'icon' | 'banner', image: Blob) =>
  api<{ community: CommunitySummary }>(`${c(communityId)}/${slot}`, { method: 'PUT', raw: await raw(image) });
export const removeCommunityImage = (communityId: string, slot: 'icon' | 'banner') => api<{ community: CommunitySummary }>(`${c(communityId)}/${slot}`, { method: 'DELETE' });
export const setCommunityAccent = (communityId: string, accent: string | null) => api<{ community: CommunitySummary }>(c(communityId), { method: 'PATCH', body: { accent } });

const dm = (id: string) => `/api/dms/${encodeURIComponent(id)}`;
export const setGroupDmIcon = async (channelId: string, image: Blob) => api<{ channel: Dm }>(`${dm(channelId)}/icon`, { method: 'PUT', raw: await raw(image) });
export const removeGroupDmIcon = (channelId: string) => api<{ channel: Dm }>(`${dm(channelId)}/icon`, { method: 'DELETE' });
export const setGroupDmAccent = (channelId: string, accent: string | null) => api<{ channel: Dm }>(dm(channelId), { method: 'PATCH', body: { accent } });

export const listEmoji = (communityId: string) => api<{ emoji: CustomEmoji[]; max: number }>(`${c(communityId)}/emoji`);
export const addEmoji = async (communityId: string, name: string, image: Blob) =>
  api<{ emoji: CustomEmoji }>(`${c(communityId)}/emoji/${encodeURIComponent(name)}`, { method: 'PUT', raw: await raw(image) });
export const deleteEmoji = (communityId: string, name: string) => api<void>(`${c(communityId)}/emoji/${encodeURIComponent(name)}`, { method: 'DELETE' });
