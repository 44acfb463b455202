/**
 * Communities, channels, invites and DMs for the client. Bodies are typed from
 * protocol/communities.ts; response shapes mirror worker/routes/communities.ts and dms.ts
 * (`communityView`, `channelView`, `inviteView`, `dmView`), which have no shared type yet.
 */
import type { InferInput } from 'valibot';
import type {
  CreateChannelRequest,
  CreateCommunityInviteRequest,
  CreateCommunityRequest,
  CreateDmRequest,
  CreateGroupRequest,
  CreateRoleRequest,
  UpdateChannelRequest,
  UpdateGroupRequest,
} from '../../../protocol/communities';
import type { BuiltInRole } from '../../../protocol/permissions';
import { api } from './http';

export interface CommunitySummary {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
  /** Icon and banner image ids (`imageUrl`) and accent colour (#rrggbb); null when none. */
  iconId?: string | null;
  bannerId?: string | null;
  accent?: string | null;
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
  /** A voice channel's call cap (null: the maximum, 25). */
  callCap?: number | null;
  /** Disappearing messages: seconds after which messages are erased (null: off). */
  disappearSeconds?: number | null;
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
  /** Ids of the custom roles the caller holds. */
  roles?: string[];
  permissions: number;
  groups: Group[];
  channels: Channel[];
}
export interface Invite {
  code: string;
  /** null for an instance invite. */
  communityId: string | null;
  /** Whether someone without an account may register with it (always, for instance invites). */
  admitsNewAccounts?: boolean;
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  createdAt: number;
  state: 'active' | 'revoked' | 'expired' | 'used_up';
}
export interface Dm {
  id: string;
  kind: 'dm' | 'group_dm';
  createdAt: number;
  /** A group DM's icon image id and accent colour; null when none. */
  iconId?: string | null;
  accent?: string | null;
  /** Disappearing messages: seconds after which messages are erased (null: off). */
  disappearSeconds?: number | null;
  /** Who has accepted it. */
  memberIds: string[];
  /** Whom it is still waiting for (a request not answered yet, or declined: the server does not say which). */
  pendingIds: string[];
}
export interface ChannelMember {
  userId: string;
  username: string | null;
  displayName: string | null;
  avatarId?: string | null;
  /** Their profile banner's image id, shown on their page; null or absent: none. */
  bannerId?: string | null;
  /** The status they set, shown beside their name. */
  statusText?: string | null;
  permissions: number;
  /** An end-to-end encrypted webhook's bot account (issue #17 item 4): its posts carry a "bot" badge. */
  bot?: boolean;
  /** The other side of a 1:1 DM request who has not accepted it (yet): nothing can be encrypted to them. */
  pending?: boolean;
}

/** A member of a community as GET /api/communities/{id}/members lists them. */
export interface CommunityMember {
  userId: string;
  username: string | null;
  displayName: string | null;
  avatarId?: string | null;
  /** Their profile banner's image id, shown on their page; null or absent: none. */
  bannerId?: string | null;
  /** The status they set, shown beside their name. */
  statusText?: string | null;
  role: BuiltInRole;
  joinedAt: number;
  timedOutUntil: number | null;
  /** Ids of the custom roles they hold. */
  roles: string[];
}
/** A custom role: a named set of permission bits (protocol/permissions.ts). */
export interface Role {
  id: string;
  communityId: string;
  name: string;
  permissions: number;
  position: number;
}

const c = (id: string) => `/api/communities/${encodeURIComponent(id)}`;

export const listCommunities = () => api<{ communities: (CommunitySummary & { role: BuiltInRole })[] }>('/api/communities');
export const getCommunity = (id: string) => api<CommunityView>(`/api/communities/${encodeURIComponent(id)}`);
export const createCommunity = (body: InferInput<typeof CreateCommunityRequest>) => api<CommunityView>('/api/communities', { method: 'POST', body });
export const createChannel = (communityId: string, body: InferInput<typeof CreateChannelRequest>) =>
  api<{ channel: Channel }>(`/api/communities/${encodeURIComponent(communityId)}/channels`, { method: 'POST', body });
export const createInvite = (communityId: string, body: InferInput<typeof CreateCommunityInviteRequest>) =>
  api<Invite>(`/api/communities/${encodeURIComponent(communityId)}/invites`, { method: 'POST', body });
/** What an invite link leads to, read before signing in (GET /api/auth/invites/{code}). */
export interface InvitePreview {
  kind: 'instance' | 'community';
  state: Invite['state'];
  expiresAt?: number | null;
  invitedBy?: { username: string; displayName: string; avatarId?: string | null } | null;
  community?: { id: string; name: string; memberCount: number; iconId?: string | null; accent?: string | null } | null;
  /** Whether someone without an account can register with this link here. */
  newAccounts?: boolean;
}
export const previewInvite = (code: string) => api<InvitePreview>(`/api/auth/invites/${encodeURIComponent(code)}`, { auth: false });
export const listCommunityInvites = (communityId: string) => api<{ invites: Invite[] }>(`/api/communities/${encodeURIComponent(communityId)}/invites`);
export const revokeCommunityInvite = (communityId: string, code: string) =>
  api<void>(`/api/communities/${encodeURIComponent(communityId)}/invites/${encodeURIComponent(code)}`, { method: 'DELETE' });
export const createInstanceInvite = (body: { maxUses?: number; expiresInSeconds?: number }) => api<Invite>('/api/invites', { method: 'POST', body });
export const listInstanceInvites = () => api<{ invites: Invite[] }>('/api/invites');
export const revokeInstanceInvite = (code: string) => api<void>(`/api/invites/${encodeURIComponent(code)}`, { method: 'DELETE' });
export const joinByInvite = (code: string) => api<CommunityView>(`/api/community-invites/${encodeURIComponent(code)}/join`, { method: 'POST' });
export const channelMembers = (channelId: string) => api<{ members: ChannelMember[] }>(`/api/channels/${encodeURIComponent(channelId)}/members`);
/** Your DMs, and the requests others sent you that you have not answered. */
export const listDms = () => api<{ dms: Dm[]; requests: (Dm & { people: { userId: string; username: string | null; displayName: string | null }[] })[] }>('/api/dms');
export const acceptDm = (channelId: string) => api<{ channel: Dm }>(`/api/dms/${encodeURIComponent(channelId)}/accept`, { method: 'POST' });
export const declineDm = (channelId: string) => api<void>(`/api/dms/${encodeURIComponent(channelId)}/decline`, { method: 'POST' });
export const createDm = (body: InferInput<typeof CreateDmRequest>) => api<{ channel: Dm }>('/api/dms', { method: 'POST', body });
export const setDmDisappearing = (channelId: string, disappearSeconds: number | null) => api<{ channel: Dm }>(`/api/dms/${encodeURIComponent(channelId)}`, { method: 'PATCH', body: { disappearSeconds } });
export const leaveDm = (channelId: string) => api<void>(`/api/dms/${encodeURIComponent(channelId)}/members/me`, { method: 'DELETE' });

export const kickMember = (communityId: string, userId: string) => api<void>(`${c(communityId)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' });
export const leaveCommunity = (communityId: string) => api<void>(`${c(communityId)}/members/me`, { method: 'DELETE' });
export const communityMembers = (communityId: string) => api<{ members: CommunityMember[] }>(`${c(communityId)}/members`);

export const createGroup = (communityId: string, body: InferInput<typeof CreateGroupRequest>) => api<{ group: Group }>(`${c(communityId)}/groups`, { method: 'POST', body });
export const updateGroup = (communityId: string, groupId: string, body: InferInput<typeof UpdateGroupRequest>) =>
  api<{ group: Group }>(`${c(communityId)}/groups/${encodeURIComponent(groupId)}`, { method: 'PATCH', body });
export const deleteGroup = (communityId: string, groupId: string) => api<void>(`${c(communityId)}/groups/${encodeURIComponent(groupId)}`, { method: 'DELETE' });

export const updateChannel = (channelId: string, body: InferInput<typeof UpdateChannelRequest>) =>
  api<{ channel: Channel }>(`/api/channels/${encodeURIComponent(channelId)}`, { method: 'PATCH', body });
export const deleteChannel = (channelId: string) => api<void>(`/api/channels/${encodeURIComponent(channelId)}`, { method: 'DELETE' });

export const listRoles = (communityId: string) => api<{ roles: Role[] }>(`${c(communityId)}/roles`);
export const createRole = (communityId: string, body: InferInput<typeof CreateRoleRequest>) => api<{ role: Role }>(`${c(communityId)}/roles`, { method: 'POST', body });
export const deleteRole = (communityId: string, roleId: string) => api<void>(`${c(communityId)}/roles/${encodeURIComponent(roleId)}`, { method: 'DELETE' });
export const assignRole = (communityId: string, userId: string, roleId: string) =>
  api<void>(`${c(communityId)}/members/${encodeURIComponent(userId)}/roles/${encodeURIComponent(roleId)}`, { method: 'PUT' });
export const unassignRole = (communityId: string, userId: string, roleId: string) =>
  api<void>(`${c(communityId)}/members/${encodeURIComponent(userId)}/roles/${encodeURIComponent(roleId)}`, { method: 'DELETE' });

/** Community theming (issue #16 item 8): the sanitized CSS members apply (and, for admins, the text as written). */
export const communityTheme = (id: string) => api<{ css: string | null; source?: string | null }>(`/api/communities/${encodeURIComponent(id)}/theme`);
export const setCommunityTheme = (id: string, css: string) => api<{ css: string | null; removed: string[] }>(`/api/communities/${encodeURIComponent(id)}/theme`, { method: 'PUT', body: { css } });
