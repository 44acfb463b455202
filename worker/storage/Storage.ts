/**
 * The storage adapter: everything the server keeps outside the channel logs — accounts,
 * devices and their public keys, sessions, invites, communities, channel groups, channels,
 * memberships, bans and the audit log — behind one interface with three back ends.
 *
 * It holds no secrets in readable form: password hashes are Argon2id PHC strings, refresh tokens
 * are SHA-256 digests, and message content never passes through here. It does not check
 * permissions; routes do that before they call it.
 */
import type { StorageKind } from '../../protocol/http';

export type InstanceRole = 'owner' | 'admin' | 'user';
export type MemberRole = 'owner' | 'admin' | 'moderator' | 'member';
export type ChannelKind = 'text' | 'voice' | 'dm' | 'group_dm';

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  instanceRole: InstanceRole;
  createdAt: number;
}

export interface Device {
  id: string;
  userId: string;
  name: string;
  identityKey: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface Invite {
  code: string;
  communityId: string | null;
  createdBy: string;
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
}

export interface Community {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
}

export interface ChannelGroup {
  id: string;
  communityId: string;
  name: string;
  position: number;
  createdAt: number;
}

export interface Channel {
  id: string;
  communityId: string | null;
  groupId: string | null;
  kind: ChannelKind;
  name: string;
  position: number;
  createdAt: number;
  archivedAt: number | null;
}

export interface Member {
  communityId: string;
  userId: string;
  role: MemberRole;
  joinedAt: number;
}

export interface Ban {
  communityId: string;
  userId: string;
  reason: string;
  bannedBy: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface AuditEvent {
  id: string;
  event: string;
  userId: string | null;
  ip: string;
  userAgent: string;
  detail: string;
  createdAt: number;
}

export interface Storage {
  readonly kind: StorageKind;

  /** Applies pending migrations; safe to call more than once. */
  migrate(now: number): Promise<string[]>;
  /** Cheapest round trip that proves the database answers. */
  ping(): Promise<void>;

  /** Creates a user; `conflict` when the username is taken (case-insensitively). */
  createUser(user: User): Promise<User>;
  getUserById(id: string): Promise<User | null>;
  getUserByUsername(username: string): Promise<User | null>;
  countUsers(): Promise<number>;
  updateUser(id: string, patch: Partial<Pick<User, 'displayName' | 'email' | 'passwordHash' | 'instanceRole'>>): Promise<User>;
  /** Deletes a user and, by cascade, their devices, sessions and memberships. */
  deleteUser(id: string): Promise<boolean>;

  addDevice(device: Device): Promise<Device>;
  listDevices(userId: string): Promise<Device[]>;
  removeDevice(userId: string, deviceId: string): Promise<boolean>;

  createInvite(invite: Invite): Promise<Invite>;
  getInvite(code: string): Promise<Invite | null>;
  listInvites(communityId: string | null): Promise<Invite[]>;
  revokeInvite(code: string, now: number): Promise<boolean>;
  /**
   * Uses one redemption of an invite atomically: of concurrent redemptions of the last use,
   * exactly one succeeds. Fails with `not_found`, `invite_revoked`, `invite_expired` or
   * `invite_exhausted`.
   */
  redeemInvite(code: string, now: number): Promise<Invite>;

  /** Creates a community with its owner as first member and a first group and channel, atomically. */
  createCommunity(input: { community: Community; group: ChannelGroup; channel: Channel }): Promise<Community>;
  getCommunity(id: string): Promise<Community | null>;
  listCommunitiesForUser(userId: string): Promise<Community[]>;

  createChannel(channel: Channel): Promise<Channel>;
  getChannel(id: string): Promise<Channel | null>;
  listChannels(communityId: string): Promise<Channel[]>;

  /** Adds a member; `conflict` when already a member. */
  addMember(member: Member): Promise<Member>;
  getMember(communityId: string, userId: string): Promise<Member | null>;
  listMembers(communityId: string): Promise<Member[]>;
  removeMember(communityId: string, userId: string): Promise<boolean>;

  /** Bans a user from a community and removes their membership, atomically. */
  banMember(ban: Ban): Promise<Ban>;
  getBan(communityId: string, userId: string): Promise<Ban | null>;

  appendAudit(event: AuditEvent): Promise<void>;
  /** Newest first; `before` is an exclusive `createdAt` bound for paging. */
  listAudit(filter: { userId?: string; event?: string; before?: number; limit: number }): Promise<AuditEvent[]>;
}
