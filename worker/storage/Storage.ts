/**
 * The storage adapter: everything the server keeps outside the channel logs — accounts,
 * devices and their public keys, sessions, invites, communities, channel groups, channels,
 * memberships, bans and the audit log — behind one interface with three back ends.
 *
 * It holds no secrets in readable form: password hashes are Argon2id PHC strings, refresh tokens
 * are SHA-256 digests, and message content never passes through here. It does not check
 * permissions; routes do that before they call it.
 */
import type { CustomEmoji, ImageSlot, ImageType } from '../../protocol/images';
import type { StorageKind } from '../../protocol/http';

/** `bot`: the account of an end-to-end encrypted webhook (issue #17 item 4), which only posts to its one channel. */
export type InstanceRole = 'owner' | 'admin' | 'user' | 'bot';
export type MemberRole = 'owner' | 'admin' | 'moderator' | 'member';
export type ChannelKind = 'text' | 'voice' | 'dm' | 'group_dm';

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  /** Argon2id PHC string; never leaves the server. */
  passwordHash: string;
  instanceRole: InstanceRole;
  createdAt: number;
  /** Consecutive failed logins (password or second factor) since the last success. */
  failedLogins: number;
  lockedUntil: number | null;
  /** The TOTP secret, encrypted with TOTP_ENCRYPTION_KEY; present once enrolment starts. */
  totpSecret: string | null;
  /** When TOTP was enabled; null while enrolment is pending or 2FA is off. */
  totpEnabledAt: number | null;
  /** The last TOTP time step accepted, so a code is never accepted twice. */
  totpLastStep: number | null;
  /** SHA-256 of the password-reset verifier the client derives from its recovery code. */
  recoveryVerifierHash: string | null;
  /** Who may start a DM with this user directly. */
  dmPolicy: DmPolicy;
  /** The current avatar and profile banner (`StoredImage.id`); null when none. */
  avatarId: string | null;
  bannerId: string | null;
  /** Quarantine (issue #16): since when an admin holds the account to reading only, and why; null when not. */
  quarantinedAt: number | null;
  quarantineReason: string | null;
  /** The version of the instance's terms and privacy policy this account last accepted, and when (issue #16 item 7). */
  termsVersion: number | null;
  termsAcceptedAt: number | null;
  /** Suspension (issue #16 item 5): since when an admin stopped the account from signing in, and why; null when not. */
  suspendedAt: number | null;
  suspensionReason: string | null;
  /** A short status the person sets ("In a meeting"), shown beside their name to whoever sees them; null when none. */
  statusText: string | null;
}

/** The fields a new user is created with; the security counters start empty. */
export type NewUser = Pick<User, 'id' | 'username' | 'displayName' | 'email' | 'passwordHash' | 'instanceRole' | 'createdAt' | 'recoveryVerifierHash'> & Partial<Pick<User, 'termsVersion' | 'termsAcceptedAt'>>;

/** Fields routes may change on a user. */
export type UserPatch = Partial<Pick<User, 'displayName' | 'email' | 'passwordHash' | 'instanceRole' | 'totpSecret' | 'totpEnabledAt' | 'recoveryVerifierHash' | 'dmPolicy' | 'avatarId' | 'bannerId' | 'quarantinedAt' | 'quarantineReason' | 'termsVersion' | 'termsAcceptedAt' | 'suspendedAt' | 'suspensionReason' | 'statusText'>>;

/** A login session: one refresh-token family on one device. */
export interface Session {
  id: string;
  userId: string;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** What presenting a refresh token found. */
export type RefreshLookup =
  | { state: 'rotated'; session: Session }
  /**
   * `unusedSuccessor`: the digest of the token this one was exchanged for, when that token is
   * still the session's current one and was never presented itself (null otherwise).
   */
  | { state: 'already-rotated'; session: Session; rotatedAt: number; unusedSuccessor: string | null }
  | { state: 'unknown' };

export interface Device {
  id: string;
  userId: string;
  name: string;
  /** The device's public identity (Ed25519 ‖ X25519), base64url, as the client encoded it. */
  identityKey: string;
  createdAt: number;
  lastSeenAt: number;
  /** The current signed prekey and ML-KEM prekey, opaque to the server (the client verifies them). */
  signedPreKey: string | null;
  kyberPreKey: string | null;
  /** The session that registered it (ended when the device is removed); null for older devices. */
  sessionId?: string | null;
}

export interface OneTimePreKey {
  keyId: number;
  publicKey: string;
}

/** A client-signed list of a user's devices; the server keeps the newest version and never edits it. */
export interface DeviceList {
  userId: string;
  version: number;
  list: string;
  updatedAt: number;
}

export interface KeyBackupMeta {
  userId: string;
  version: number;
  size: number;
  updatedAt: number;
}

/** An encrypted file's record (issue #13): the bytes are ciphertext blobs `files/<id>/<part>`. */
export interface StoredFile {
  id: string;
  channelId: string;
  uploaderId: string;
  uploaderIp: string;
  /** Ciphertext bytes, declared when the upload starts. */
  size: number;
  /** Ciphertext bytes stored so far (whole parts). */
  received: number;
  createdAt: number;
  /** When the last part arrived; null while uploading. */
  completedAt: number | null;
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
  /**
   * A community invite that also lets someone without an account register on an invite-only
   * instance (and join the community in the same step). Only someone who may create instance
   * invites can set it, and it admits only while its creator still may (auth.ts register).
   * Instance invites (communityId null) always admit.
   */
  admitsNewAccounts: boolean;
}

export interface Community {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
  /** Icon and banner (`StoredImage.id`) and accent colour (#rrggbb): absent when creating, reads fill them (null = none). */
  iconId?: string | null;
  bannerId?: string | null;
  accent?: string | null;
}

/** How a community handles warnings (issue #16 item 2): this many warnings time a member out for that long (null: never). */
export interface CommunityModeration {
  warnThreshold: number | null;
  warnTimeoutSeconds: number | null;
}

/** What may change about a community's look. */
export type CommunityLook = Partial<Pick<Community, 'iconId' | 'bannerId' | 'accent'>>;

/** A profile or community image or custom emoji (protocol/images.ts), bytes in the blob store at `images/<id>`. */
export interface StoredImage {
  id: string;
  slot: ImageSlot;
  contentType: ImageType;
  width: number;
  height: number;
  size: number;
  uploaderId: string;
  createdAt: number;
}

export interface ChannelGroup {
  id: string;
  communityId: string;
  name: string;
  position: number;
  createdAt: number;
  /**
   * A personal group's owner: the member who administers it (docs/permissions.md, "Personal
   * groups"). Null, or absent when creating, for an ordinary group; reads always fill it.
   */
  ownerUserId?: string | null;
  /** When the group was made private; null (or absent when creating) = visible as usual. */
  privateAt?: number | null;
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
  /** Seconds between a member's messages; 0 = off. */
  slowModeSeconds: number;
  /** A group DM's icon (`StoredImage.id`) and accent colour: absent when creating, reads fill them (null = none). */
  iconId?: string | null;
  accent?: string | null;
  /** Most devices in the channel's call, below MAX_CALL_PARTICIPANTS; absent when creating, null = the maximum. */
  callCap?: number | null;
  /** Disappearing messages (issue #15): seconds after which the room erases a message, null when off. */
  disappearSeconds?: number | null;
}

export interface Member {
  communityId: string;
  userId: string;
  role: MemberRole;
  joinedAt: number;
  timedOutUntil: number | null;
}

export interface Role {
  id: string;
  communityId: string;
  name: string;
  permissions: number;
  position: number;
}

export interface ChannelOverride {
  channelId: string;
  targetType: 'role' | 'member';
  targetId: string;
  allow: number;
  deny: number;
}

/** Everything permission checks need about one user in one channel, read together. */
/** One person on a DM's member list: accepted, a pending request (both null), or declined. */
export interface DirectMemberState {
  userId: string;
  acceptedAt: number | null;
  declinedAt: number | null;
}

/** Who may start a DM with someone directly (anyone else sends a request they accept or decline). */
export type DmPolicy = 'everyone' | 'communities' | 'requests';

export interface ChannelAccess {
  channel: Channel;
  /** The community membership (community channels). */
  member: Member | null;
  /** Whether the user is in the DM / group DM and has accepted it (direct channels). */
  directMember: boolean;
  /** Whether anyone else on the DM has accepted it: until then its starter may read but not send. */
  directPeersAccepted?: boolean;
  customRoles: { id: string; permissions: number }[];
  overrides: ChannelOverride[];
  banned: boolean;
  /** The channel's group when it is a personal group (null otherwise): its owner, privacy, and whether the user is on its list. */
  personalGroup: PersonalGroupAccess | null;
  /** The user's account is quarantined (issue #16): they may read, not send. */
  quarantined?: boolean;
  /** A 1:1 DM whose two people have a block between them, either way (issue #16): it is read-only for both. */
  blocked?: boolean;
  /** The user is the approved bot account of one of this channel's encrypted webhooks (issue #17 item 4). */
  bot?: boolean;
}

/** What permission checks need about a personal group and one user. */
export interface PersonalGroupAccess {
  groupId: string;
  ownerUserId: string;
  private: boolean;
  /** Whether the user is on the group's member list (the owner need not be). */
  listed: boolean;
}

export interface Ban {
  communityId: string;
  userId: string;
  reason: string;
  bannedBy: string;
  createdAt: number;
  expiresAt: number | null;
}

/** A report (issue #16 item 1, protocol/reports.ts). */
export interface Report {
  id: string;
  reporterId: string;
  kind: 'message' | 'user' | 'community';
  /** Who reviews it: the community's moderators, or the instance's admins. */
  queue: 'community' | 'instance';
  communityId: string | null;
  channelId: string | null;
  seq: number | null;
  messageSeq: number | null;
  accusedId: string | null;
  reason: string;
  comment: string;
  disclosed: string | null;
  verdict: 'verified' | 'altered' | 'forged' | 'unverifiable' | null;
  messageTs: number | null;
  status: 'open' | 'dismissed' | 'actioned';
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  createdAt: number;
}

/** Feedback or a bug report from a user (issue #16 item 6). */
export interface Feedback {
  id: string;
  userId: string;
  kind: 'feedback' | 'bug';
  text: string;
  status: 'open' | 'closed';
  createdAt: number;
  closedAt: number | null;
  closedBy: string | null;
}

/** An incoming webhook of a channel (issue #17 item 3); its secret is kept as a SHA-256 digest only. */
export interface Webhook {
  id: string;
  channelId: string;
  name: string;
  secretDigest: string;
  createdBy: string;
  createdAt: number;
  rotatedAt: number | null;
  posts: number;
  lastPostAt: number | null;
  /**
   * An end-to-end encrypted webhook (issue #17 item 4) posts as its own bot account (instance
   * role `bot`), which holds device keys and seals like a member; null for a plaintext webhook.
   */
  botUserId: string | null;
  /** When a manager approved the bot's device into the channel; until then it has no access. */
  approvedAt: number | null;
}

/** An instance-wide announcement (issue #16 item 6). */
export interface Announcement {
  id: string;
  text: string;
  severity: 'info' | 'warning' | 'critical';
  createdBy: string;
  createdAt: number;
  endsAt: number | null;
}

/** A warning (issue #16 item 2); `communityId` null for an instance-wide one from an admin. */
export interface Warning {
  id: string;
  communityId: string | null;
  userId: string;
  moderatorId: string;
  reason: string;
  reportId: string | null;
  createdAt: number;
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

  /** Applies pending migrations, then fills what SQL cannot (username skeletons of older rows); safe to call more than once. */
  migrate(now: number): Promise<string[]>;
  /** Cheapest round trip that proves the database answers. */
  ping(): Promise<void>;

  /**
   * Creates a user; `conflict` when the username is taken (case-insensitively), a user with a
   * look-alike username exists (same confusable skeleton, worker/auth/names.ts), or a second
   * owner would appear.
   */
  createUser(user: NewUser): Promise<User>;
  getUserById(id: string): Promise<User | null>;
  /** The users among `ids` that exist, in no particular order (one read for many, issue #21). */
  getUsersByIds(ids: readonly string[]): Promise<User[]>;
  getUserByUsername(username: string): Promise<User | null>;
  /** Whether a user exists whose username has the same confusable skeleton as `username` (the same name included). */
  hasLookAlike(username: string): Promise<boolean>;
  countUsers(): Promise<number>;
  /** Accounts whose username starts with `prefix` (case-insensitive), by username, after `after` (a username key), at most `limit`: the admin panel's user list. */
  searchUsers(prefix: string, after: string | null, limit: number): Promise<User[]>;
  /**
   * Takes the instance's one owner grant: true for exactly one caller ever (until released).
   * The first account, or the one ADMIN_USERNAME names, becomes owner only through this, so a
   * deleted owner's name cannot be registered again to take the instance (hardening #11.5).
   */
  claimOwnerGrant(now: number): Promise<boolean>;
  /** Gives the grant back when the account it was taken for could not be created. */
  releaseOwnerGrant(): Promise<void>;
  updateUser(id: string, patch: UserPatch): Promise<User>;
  /** Counts a failed login atomically; locks the account until `lockUntil` when the count reaches `threshold`. */
  recordLoginFailure(id: string, threshold: number, lockUntil: number): Promise<{ failedLogins: number; lockedUntil: number | null }>;
  /** Clears the failure count and any lock after a successful login. */
  resetLoginFailures(id: string): Promise<void>;
  /** Records `step` as used if it is newer than the last accepted one; false means a replay. */
  acceptTotpStep(id: string, step: number): Promise<boolean>;
  /** Replaces the user's backup codes (SHA-256 digests) in one step. */
  replaceBackupCodes(userId: string, codeHashes: string[]): Promise<void>;
  /** Uses one backup code atomically; false when it does not exist or was used. */
  useBackupCode(userId: string, codeHash: string, now: number): Promise<boolean>;
  countUnusedBackupCodes(userId: string): Promise<number>;

  /** Starts a session with its first refresh token (SHA-256 digest). */
  createSession(session: Session, refreshHash: string): Promise<Session>;
  getSession(id: string): Promise<Session | null>;
  /** Sessions not revoked and not expired, newest use first. */
  listSessions(userId: string, now: number): Promise<Session[]>;
  /**
   * How many live sessions and devices each of `userIds` has (the admin user list), read for
   * the whole page at once; users with neither are listed with zeros, unknown ids are left out.
   */
  accountCounts(userIds: readonly string[], now: number): Promise<[string, { sessions: number; devices: number }][]>;
  /**
   * Rotates a refresh token: marks `oldHash` used and records `newHash`, atomically, so of two
   * parallel refreshes with one token exactly one rotates it.
   */
  rotateRefreshToken(oldHash: string, newHash: string, now: number): Promise<RefreshLookup>;
  /** Revokes one session (one refresh family); false if it was not the user's or already revoked. */
  revokeSession(userId: string, sessionId: string, now: number): Promise<boolean>;
  /** Revokes every session of the user but `exceptSessionId`; returns how many. */
  revokeAllSessions(userId: string, now: number, exceptSessionId?: string): Promise<number>;
  /** Deletes a user and, by cascade, their devices, sessions, backup codes and memberships, and their audit entries. */
  deleteUser(id: string): Promise<boolean>;

  addDevice(device: Device): Promise<Device>;
  getDevice(id: string): Promise<Device | null>;
  listDevices(userId: string): Promise<Device[]>;
  /** The devices of every user in `userIds`, by user, each user's oldest first (one read for many, issue #21). */
  listDevicesOf(userIds: readonly string[]): Promise<Device[]>;
  removeDevice(userId: string, deviceId: string): Promise<boolean>;
  /** Replaces a device's signed prekey and ML-KEM prekey. */
  setPreKeys(deviceId: string, keys: { signedPreKey: string; kyberPreKey: string | null }): Promise<void>;
  /** Adds one-time prekeys; ids already present are kept as they were. */
  addOneTimePreKeys(deviceId: string, keys: OneTimePreKey[]): Promise<void>;
  countOneTimePreKeys(deviceId: string): Promise<number>;
  /** Hands out one one-time prekey and deletes it, atomically: never the same key twice. */
  claimOneTimePreKey(deviceId: string): Promise<OneTimePreKey | null>;
  /**
   * Takes the lowest one-time prekey of each device in `deviceIds` at once, as [device id, key] pairs. A device
   * with none left, or whose key a concurrent claim took first, is absent: never a key twice.
   */
  claimOneTimePreKeys(deviceIds: readonly string[]): Promise<[deviceId: string, key: OneTimePreKey][]>;
  /** Stores a device list if its version is newer than the stored one; false otherwise. */
  putDeviceList(list: DeviceList): Promise<boolean>;
  getDeviceList(userId: string): Promise<DeviceList | null>;
  /** The published device lists of those in `userIds` who have one. */
  getDeviceLists(userIds: readonly string[]): Promise<DeviceList[]>;
  /** Records a key backup's version if newer than the stored one; false otherwise. */
  /** Records a new upload. */
  createFile(file: Omit<StoredFile, 'received' | 'completedAt'>): Promise<void>;
  getFile(id: string): Promise<StoredFile | null>;
  /** Moves `received` from `from` to `to` (completing the file when `completedAt` is set); false when it was no longer `from` (a concurrent part). */
  advanceFile(id: string, from: number, to: number, completedAt: number | null): Promise<boolean>;
  deleteFileRecord(id: string): Promise<void>;
  /** What an account stores: the declared bytes of all its files, and its uploads still open. */
  fileUsage(userId: string): Promise<{ bytes: number; openUploads: number }>;
  /** Uploads still open from one address. */
  openUploadsFromIp(ip: string): Promise<number>;
  /** The files `uploaderId` began uploading to `channelId` in [since, until] (at most `limit`, oldest first): what a purge of their messages there deletes. */
  listFilesBy(channelId: string, uploaderId: string, since: number, until: number, limit: number): Promise<StoredFile[]>;
  /** Files to delete (at most `limit`): their channel or uploader is gone, or the upload stalled before `staleBefore`. */
  listOrphanFiles(staleBefore: number, limit: number): Promise<StoredFile[]>;
  createImage(image: StoredImage): Promise<void>;
  getImage(id: string): Promise<StoredImage | null>;
  deleteImageRecord(id: string): Promise<void>;
  /** Images created before `createdBefore` that no user, community or emoji refers to. */
  listOrphanImages(createdBefore: number, limit: number): Promise<StoredImage[]>;
  updateCommunityLook(id: string, look: CommunityLook): Promise<void>;
  /** A group DM's icon and accent. */
  updateChannelLook(id: string, look: Partial<Pick<Channel, 'iconId' | 'accent'>>): Promise<void>;
  listEmoji(communityId: string): Promise<CustomEmoji[]>;
  /** Adds an emoji unless the name is taken or the community already has `max`. */
  addEmoji(communityId: string, emoji: CustomEmoji, max: number): Promise<'added' | 'exists' | 'full'>;
  /** Deletes an emoji; its image id, or null when there was none by that name. */
  deleteEmoji(communityId: string, name: string): Promise<string | null>;
  putKeyBackupMeta(meta: KeyBackupMeta): Promise<boolean>;
  getKeyBackupMeta(userId: string): Promise<KeyBackupMeta | null>;

  createInvite(invite: Invite): Promise<Invite>;
  getInvite(code: string): Promise<Invite | null>;
  listInvites(communityId: string | null): Promise<Invite[]>;
  revokeInvite(code: string, now: number): Promise<boolean>;
  /** Gives back one use of an invite (the registration it was redeemed for failed). */
  unredeemInvite(code: string): Promise<void>;
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
  /** Which of `others` share a community or an accepted DM or group DM with `userId` (one read, not two per person). */
  sharedWith(userId: string, others: readonly string[]): Promise<string[]>;

  renameCommunity(id: string, name: string): Promise<void>;
  /**
   * Makes member `toUserId` the owner and the current owner `fromUserId` an admin, atomically.
   * False (and nothing changed) unless `fromUserId` owns the community and `toUserId` is a member.
   */
  transferCommunity(id: string, fromUserId: string, toUserId: string): Promise<boolean>;
  deleteCommunity(id: string): Promise<boolean>;

  createGroup(group: ChannelGroup): Promise<ChannelGroup>;
  listGroups(communityId: string): Promise<ChannelGroup[]>;
  updateGroup(id: string, patch: Partial<Pick<ChannelGroup, 'name' | 'position' | 'privateAt'>>): Promise<void>;
  /** Deletes a group; its channels stay, outside any group. */
  deleteGroup(id: string): Promise<boolean>;
  /** Puts a user on a personal group's member list; adding someone already listed changes nothing. */
  addGroupMember(groupId: string, userId: string, now: number): Promise<void>;
  /** Takes a user off a group's member list; false when they were not on it. */
  removeGroupMember(groupId: string, userId: string): Promise<boolean>;
  /** The users on a group's member list, oldest first. */
  listGroupMembers(groupId: string): Promise<string[]>;

  createChannel(channel: Channel): Promise<Channel>;
  getChannel(id: string): Promise<Channel | null>;
  listChannels(communityId: string): Promise<Channel[]>;
  updateChannel(id: string, patch: Partial<Pick<Channel, 'name' | 'position' | 'groupId' | 'archivedAt' | 'slowModeSeconds' | 'callCap' | 'disappearSeconds'>>): Promise<void>;
  deleteChannel(id: string): Promise<boolean>;
  /** Creates a DM or group DM with its members, atomically. */
  /** Creates a DM or group DM; members in `pending` get it as a request (not accepted yet). */
  createDirectChannel(channel: Channel, userIds: string[], now: number, pending?: string[]): Promise<Channel>;
  /** The DMs `userId` has accepted (started, or accepted a request for); `all` adds requests and declined ones. */
  listDirectChannels(userId: string, options?: { all?: boolean }): Promise<Channel[]>;
  /** Members of a channel's member list who have accepted it (DMs); requests and declines are left out. */
  listChannelMembers(channelId: string): Promise<string[]>;
  /** Every member row of a DM with where it stands (hardening #11.8). */
  directMemberStates(channelId: string): Promise<DirectMemberState[]>;
  /** Accepts or declines a DM for `userId`; false when they are not on it. */
  setDirectMemberState(channelId: string, userId: string, state: 'accepted' | 'declined', now: number): Promise<boolean>;
  removeChannelMember(channelId: string, userId: string): Promise<boolean>;
  /** The facts effectivePermissions needs for `userId` in `channelId`; null when the channel does not exist. */
  channelAccess(channelId: string, userId: string): Promise<ChannelAccess | null>;
  /** `channelAccess` for many users of one channel in a few reads, as [user id, access] pairs (none when there is no such channel). */
  channelAccessMany(channelId: string, userIds: readonly string[]): Promise<[userId: string, access: ChannelAccess][]>;

  /** Adds a member; `conflict` when already a member. */
  addMember(member: Member): Promise<Member>;
  getMember(communityId: string, userId: string): Promise<Member | null>;
  listMembers(communityId: string): Promise<Member[]>;
  /** Removes a member with their custom roles and their places on the community's group member lists. */
  removeMember(communityId: string, userId: string): Promise<boolean>;
  updateMember(communityId: string, userId: string, patch: Partial<Pick<Member, 'role' | 'timedOutUntil'>>): Promise<boolean>;

  createRole(role: Role): Promise<Role>;
  listRoles(communityId: string): Promise<Role[]>;
  deleteRole(communityId: string, roleId: string): Promise<boolean>;
  assignRole(communityId: string, userId: string, roleId: string): Promise<void>;
  unassignRole(communityId: string, userId: string, roleId: string): Promise<boolean>;
  /** Sets (or, with allow = deny = 0, clears) a channel override. */
  setChannelOverride(o: ChannelOverride): Promise<void>;

  /** Bans a user from a community and removes their membership (as removeMember does), atomically. */
  banMember(ban: Ban): Promise<Ban>;
  getBan(communityId: string, userId: string): Promise<Ban | null>;
  unban(communityId: string, userId: string): Promise<boolean>;

  appendAudit(event: AuditEvent): Promise<void>;
  /**
   * Newest first. Paging cursor: the last event of the previous page, as `before` (its
   * createdAt) and `beforeId` (its id), so events sharing a millisecond are neither skipped nor
   * repeated; `before` alone is an exclusive time bound.
   */
  listAudit(filter: { userId?: string; event?: string; before?: number; beforeId?: string; limit: number }): Promise<AuditEvent[]>;

  /** Reports (issue #16 item 1). */
  createReport(report: Report): Promise<Report>;
  getReport(id: string): Promise<Report | null>;
  /** A queue's reports, newest first: a community's (`communityId`) or the instance's; open or closed; before `before` (createdAt) for paging. */
  listReports(filter: { queue: 'community' | 'instance'; communityId?: string; open: boolean; before?: number; limit: number }): Promise<Report[]>;
  /** How many of `reporterId`'s reports are still open (the cap on open reports per account). */
  countOpenReports(reporterId: string): Promise<number>;
  /** Closes an open report (or moves it to the instance queue when `queue` is given and status stays open); null when it was not open. */
  updateOpenReport(id: string, patch: Partial<Pick<Report, 'status' | 'resolution' | 'resolvedBy' | 'resolvedAt' | 'queue'>>): Promise<Report | null>;
  /** Warnings (issue #16 item 2). */
  addWarning(w: Warning): Promise<Warning>;
  /** `userId`'s warnings, newest first: in one community, instance-wide ones (`communityId` null), or all (undefined). */
  listWarnings(userId: string, communityId?: string | null): Promise<Warning[]>;
  getCommunityModeration(id: string): Promise<CommunityModeration>;
  /** Blocking (issue #16 item 3): `userId` blocks `blockedId` (again: nothing changes). */
  block(userId: string, blockedId: string, now: number): Promise<void>;
  unblock(userId: string, blockedId: string): Promise<boolean>;
  /** Whom `userId` blocked, newest first. */
  listBlocks(userId: string): Promise<{ userId: string; createdAt: number }[]>;
  /** Which of `others` have a block with `userId`, either way. */
  blockedEitherWay(userId: string, others: readonly string[]): Promise<string[]>;
  setCommunityModeration(id: string, m: CommunityModeration): Promise<void>;
  /** Instance settings changed at runtime (issue #16 item 6); null when never set. */
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  /** Feedback (issue #16 item 6). */
  createFeedback(f: Feedback): Promise<Feedback>;
  /** Newest first; open or closed; before `before` (createdAt) for paging. */
  listFeedback(filter: { open: boolean; before?: number; limit: number }): Promise<Feedback[]>;
  countOpenFeedback(userId: string): Promise<number>;
  /** Closes open feedback; false when there is no such open item. */
  closeFeedback(id: string, by: string, now: number): Promise<boolean>;
  /** Incoming webhooks (issue #17 item 3). */
  createWebhook(w: Webhook): Promise<Webhook>;
  getWebhook(id: string): Promise<Webhook | null>;
  /** A channel's webhooks, oldest first. */
  listWebhooks(channelId: string): Promise<Webhook[]>;
  /** Replaces the secret (rotation); false when there is no such webhook. */
  rotateWebhook(id: string, secretDigest: string, now: number): Promise<boolean>;
  deleteWebhook(id: string): Promise<boolean>;
  /** Counts one post. */
  recordWebhookPost(id: string, now: number): Promise<void>;
  /** The encrypted webhook whose bot account is `userId`, or null. */
  webhookOfBot(userId: string): Promise<Webhook | null>;
  approveWebhook(id: string, now: number): Promise<boolean>;
  /** Announcements (issue #16 item 6). */
  createAnnouncement(a: Announcement): Promise<Announcement>;
  /** Every announcement, newest first (`now` given: only those not ended; `userId` given: only those they have not dismissed). */
  listAnnouncements(filter: { now?: number; userId?: string; limit: number }): Promise<Announcement[]>;
  deleteAnnouncement(id: string): Promise<boolean>;
  /** Records that `userId` dismissed it; false when there is no such announcement. */
  dismissAnnouncement(id: string, userId: string): Promise<boolean>;
  /** Community theming (issue #16 item 8): the custom CSS as written and as sanitized; nulls when none. */
  getCommunityTheme(id: string): Promise<{ source: string | null; css: string | null }>;
  setCommunityTheme(id: string, theme: { source: string | null; css: string | null }): Promise<void>;
}
