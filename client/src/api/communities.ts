/**
 * Communities, channels, invites and DMs for the client. Bodies are typed from
 * protocol/communities.ts; response shapes mirror worker/routes/communities.ts and dms.ts
 * (`communityView`, `channelView`, `inviteView`, `dmView`), which have no shared type yet.
 */
import type { InferInput } from 'valibot';
import type { CreateChannelRequest, CreateCommunityInviteRequest, CreateCommunityRequest, CreateDmRequest } from '../../../protocol/communities';
import type { BuiltInRole } from '../../../protocol/permissions';
import { api } from './http';

export interface CommunitySummary {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
}
export interface Channel {
  id: string;
  communityId: string | null;
  groupId: string | null;
  kind: 'text' | 'voice' | 'dm' | 'group_dm';
  name: string;
  position: number;
  archived: boolean;
  permissions?: number;
}
export interface Group {
  id: string;
  communityId: string;
  name: string;
  position: number;
}
export interface CommunityView {
  community: CommunitySummary;
  role: BuiltInRole;
  permissions: number;
  groups: Group[];
  channels: Channel[];
}
export interface Invite {
  code: string;
  communityId: string;
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  state: 'active' | 'revoked' | 'expired' | 'used_up';
}
export interface Dm {
  id: string;
  kind: 'dm' | 'group_dm';
  createdAt: number;
  memberIds: string[];
}
export interface ChannelMember {
  userId: string;
  username: string | null;
  displayName: string | null;
  permissions: number;
}

export const listCommunities = () => api<{ communities: (CommunitySummary & { role: BuiltInRole })[] }>('/api/communities');
export const getCommunity = (id: string) => api<CommunityView>(`/api/communities/${encodeURIComponent(id)}`);
export const createCommunity = (body: InferInput<typeof CreateCommunityRequest>) => api<CommunityView>('/api/communities', { method: 'POST', body });
export const createChannel = (communityId: string, body: InferInput<typeof CreateChannelRequest>) =>
  api<{ channel: Channel }>(`/api/communities/${encodeURIComponent(communityId)}/channels`, { method: 'POST', body });
export const createInvite = (communityId: string, body: InferInput<typeof CreateCommunityInviteRequest>) =>
  api<Invite>(`/api/communities/${encodeURIComponent(communityId)}/invites`, { method: 'POST', body });
export const joinByInvite = (code: string) => api<CommunityView>(`/api/community-invites/${encodeURIComponent(code)}/join`, { method: 'POST' });
export const channelMembers = (channelId: string) => api<{ members: ChannelMember[] }>(`/api/channels/${encodeURIComponent(channelId)}/members`);
export const listDms = () => api<{ dms: Dm[] }>('/api/dms');
export const createDm = (body: InferInput<typeof CreateDmRequest>) => api<{ channel: Dm }>('/api/dms', { method: 'POST', body });
