/**
 * The route manifest: every HTTP route with who may call it, what it takes and what it answers.
 * It is the source of the OpenAPI document (served at /api/openapi.json and written to
 * docs/openapi.json), and tests/routes.test.ts fails when a route exists in the app but not
 * here, or the reverse, so an unlisted route cannot slip past the authorization tests (Z1).
 */
import type { GenericSchema } from 'valibot';
import * as auth from '../../protocol/auth';
import * as keys from '../../protocol/keys';
import * as communities from '../../protocol/communities';
import * as files from '../../protocol/files';

/** Who may call a route: anyone, any signed-in user, or instance admins and the owner. */
export type Access = 'public' | 'user' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  access: Access;
  summary: string;
  tag: string;
  body?: GenericSchema;
  /** Success status. */
  status: number;
  /** Error codes this route may answer with, beyond the generic ones (400, 401, 429, 503). */
  errors?: string[];
}

export const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/api/health', access: 'public', tag: 'server', status: 200, summary: 'Whether the server and its database answer: {status, version, storage, uptimeSeconds}.' },
  { method: 'GET', path: '/api/openapi.json', access: 'public', tag: 'server', status: 200, summary: 'This document.' },

  { method: 'GET', path: '/api/auth/config', access: 'public', tag: 'auth', status: 200, summary: 'Registration mode and whether the instance still needs its first (owner) account.' },
  { method: 'POST', path: '/api/auth/register', access: 'public', tag: 'auth', status: 201, body: auth.RegisterRequest, errors: ['conflict', 'forbidden', 'invite_exhausted', 'invite_expired', 'invite_revoked', 'not_found'], summary: 'Create an account. The first account (or ADMIN_USERNAME) becomes the owner; otherwise REGISTRATION_MODE applies: `invite_only` needs an instance invite or a community invite that admits new accounts. With a community invite the new account also joins that community (joinedCommunityId). Returns tokens.' },
  { method: 'GET', path: '/api/auth/invites/{code}', access: 'public', tag: 'auth', status: 200, errors: ['not_found'], summary: 'What an invite link leads to, without using it: kind (instance or community), state, and while active the community’s name and member count, who invited you, and whether someone without an account can register with it (newAccounts).' },
  { method: 'POST', path: '/api/auth/login', access: 'public', tag: 'auth', status: 200, body: auth.LoginRequest, errors: ['invalid_credentials', 'totp_required', 'invalid_code'], summary: 'Sign in with password and, when 2FA is on, a TOTP or backup code. Unknown user, wrong password and locked account answer alike.' },
  { method: 'POST', path: '/api/auth/refresh', access: 'public', tag: 'auth', status: 200, body: auth.RefreshRequest, errors: ['unauthorized', 'refresh_conflict', 'refresh_reused'], summary: 'Rotate a refresh token. Presenting a rotated one again ends its whole session, unless its successor was never used and it comes back within 2 minutes (a lost answer: exchanged again once).' },
  { method: 'POST', path: '/api/auth/logout', access: 'user', tag: 'auth', status: 204, summary: 'End the current session.' },
  { method: 'POST', path: '/api/auth/recover', access: 'public', tag: 'auth', status: 200, body: auth.RecoverRequest, errors: ['invalid_recovery', 'totp_required', 'invalid_code'], summary: 'Reset the password with the recovery verifier (and, with 2FA on, an authenticator or backup code: the recovery code replaces the password, not the second factor); ends every session and installs the next verifier. Returns tokens.' },

  { method: 'GET', path: '/api/me', access: 'user', tag: 'account', status: 200, summary: 'The signed-in user.' },
  { method: 'PATCH', path: '/api/me', access: 'user', tag: 'account', status: 200, body: auth.UpdateProfileRequest, summary: 'Change display name, email, or who may start a DM with you directly (dmPolicy: everyone, communities (default) or requests).' },
  { method: 'DELETE', path: '/api/me', access: 'user', tag: 'account', status: 204, body: auth.DeleteAccountRequest, errors: ['forbidden', 'totp_required', 'invalid_code'], summary: 'Delete the account (password, and a code when 2FA is on).' },
  { method: 'POST', path: '/api/me/password', access: 'user', tag: 'account', status: 200, body: auth.ChangePasswordRequest, errors: ['forbidden'], summary: 'Change the password; ends every other session.' },
  { method: 'POST', path: '/api/me/recovery', access: 'user', tag: 'account', status: 204, body: auth.RegenerateRecoveryRequest, errors: ['forbidden'], summary: 'Install a new recovery verifier (the client made a new recovery code).' },
  { method: 'GET', path: '/api/me/sessions', access: 'user', tag: 'account', status: 200, summary: 'Live sessions: device, IP, user agent, created, last used, current.' },
  { method: 'DELETE', path: '/api/me/sessions/{id}', access: 'user', tag: 'account', status: 204, errors: ['not_found'], summary: 'End one of your sessions.' },
  { method: 'POST', path: '/api/me/sessions/revoke-others', access: 'user', tag: 'account', status: 200, summary: 'End every session but this one.' },
  { method: 'POST', path: '/api/me/totp/enroll', access: 'user', tag: 'account', status: 200, body: auth.TotpEnrollRequest, errors: ['conflict', 'forbidden'], summary: 'Start TOTP enrolment, confirming the password: the secret and its otpauth:// URI (the client draws the QR code).' },
  { method: 'POST', path: '/api/me/totp/enable', access: 'user', tag: 'account', status: 200, body: auth.TotpEnableRequest, errors: ['conflict', 'invalid_code', 'forbidden'], summary: 'Confirm enrolment with a code and the password; returns 8 single-use backup codes and ends other sessions.' },
  { method: 'POST', path: '/api/me/totp/disable', access: 'user', tag: 'account', status: 204, body: auth.TotpDisableRequest, errors: ['conflict', 'invalid_code', 'forbidden'], summary: 'Turn 2FA off (password and a code); ends other sessions.' },
  { method: 'POST', path: '/api/me/totp/backup-codes', access: 'user', tag: 'account', status: 200, body: auth.TotpCodeRequest, errors: ['conflict', 'invalid_code'], summary: 'Replace the backup codes (the old set stops working).' },
  { method: 'GET', path: '/api/me/audit', access: 'user', tag: 'account', status: 200, summary: 'Your security events, newest first (?limit=; next page: ?before=<createdAt>&beforeId=<id> of the last event).' },

  { method: 'POST', path: '/api/invites', access: 'admin', tag: 'admin', status: 201, body: auth.CreateInviteRequest, summary: 'Create an instance invite code (optional max uses; expiry 1 hour to 1 year).' },
  { method: 'GET', path: '/api/invites', access: 'admin', tag: 'admin', status: 200, summary: 'Instance invites with their use counts and state.' },
  { method: 'DELETE', path: '/api/invites/{code}', access: 'admin', tag: 'admin', status: 204, errors: ['not_found'], summary: 'Revoke an invite.' },
  { method: 'GET', path: '/api/admin/audit', access: 'admin', tag: 'admin', status: 200, summary: 'Every account’s security events (?userId=&event=&limit=; next page: ?before=<createdAt>&beforeId=<id> of the last event).' },

  { method: 'POST', path: '/api/devices', access: 'user', tag: 'keys', status: 201, body: keys.RegisterDeviceRequest, errors: ['conflict'], summary: 'Register a device with its public identity, signed prekey, ML-KEM prekey and one-time prekeys.' },
  { method: 'GET', path: '/api/devices', access: 'user', tag: 'keys', status: 200, summary: 'Your devices, with how many one-time prekeys each has left (replenish below 20).' },
  { method: 'PUT', path: '/api/devices/{id}/prekeys', access: 'user', tag: 'keys', status: 200, body: keys.UploadPreKeysRequest, errors: ['not_found'], summary: 'Rotate the signed / ML-KEM prekey and add one-time prekeys (at most 100 per call).' },
  { method: 'DELETE', path: '/api/devices/{id}', access: 'user', tag: 'keys', status: 204, errors: ['not_found'], summary: 'Remove one of your devices and its keys.' },
  { method: 'GET', path: '/api/users/by-name/{username}', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Find a user by username (to start a conversation).' },
  { method: 'POST', path: '/api/users/devices', access: 'user', tag: 'keys', status: 200, body: keys.BatchUsersRequest, summary: 'The devices and signed device lists of up to 256 users at once ({users, missing}); users you may not read are listed in missing, as the per-user route answers 404 for them.' },
  { method: 'POST', path: '/api/users/bundles', access: 'user', tag: 'keys', status: 200, body: keys.BatchUsersRequest, summary: 'Claim prekey bundles for up to 256 users at once ({users: [{userId, bundles}], missing}), with the same one-time prekey allowances as the per-user route.' },
  { method: 'GET', path: '/api/users/{id}/devices', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'A user’s devices (ids and identity keys only) with their signed device list; only for the user and people who share a community or DM with them (404 otherwise).' },
  { method: 'POST', path: '/api/users/{id}/bundles', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Claim one prekey bundle per device of a user (who shares a community or DM with you; 404 otherwise). Each one-time prekey is handed out once; past the per-caller and per-target allowances, or when none is left, a bundle carries the last-resort keys only.' },
  { method: 'GET', path: '/api/users/{id}/device-list', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'A user’s client-signed device list (for people who share a community or DM with them).' },
  { method: 'PUT', path: '/api/device-list', access: 'user', tag: 'keys', status: 204, body: keys.PutDeviceListRequest, errors: ['conflict'], summary: 'Publish your signed device list (the version must grow).' },
  { method: 'PUT', path: '/api/key-backup', access: 'user', tag: 'keys', status: 204, errors: ['conflict', 'payload_too_large', 'unsupported_media_type'], summary: 'Store your encrypted key backup (application/octet-stream, X-Backup-Version must grow, at most 16 MiB).' },
  { method: 'GET', path: '/api/key-backup/status', access: 'user', tag: 'keys', status: 200, errors: [], summary: 'Whether you have a key backup stored: { exists, version?, size?, updatedAt? } (no bytes).' },
  { method: 'GET', path: '/api/key-backup', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Fetch your encrypted key backup (X-Backup-Version header).' },

  { method: 'POST', path: '/api/communities', access: 'user', tag: 'communities', status: 201, body: communities.CreateCommunityRequest, summary: 'Create a community; you become its owner. It starts with the group "General" and the text channel "general". Returns the community view (as GET /api/communities/{id}).' },
  { method: 'GET', path: '/api/communities', access: 'user', tag: 'communities', status: 200, summary: 'The communities you are a member of, with your role in each.' },
  { method: 'GET', path: '/api/communities/{id}', access: 'user', tag: 'communities', status: 200, errors: ['not_found'], summary: 'A community you are in: groups, the channels you can view with your permission bits in each, your role, custom roles and community-wide bits. Non-members get 404.' },
  { method: 'PATCH', path: '/api/communities/{id}', access: 'user', tag: 'communities', status: 200, body: communities.RenameCommunityRequest, errors: ['not_found', 'forbidden'], summary: 'Rename a community (ADMINISTRATOR).' },
  { method: 'DELETE', path: '/api/communities/{id}', access: 'user', tag: 'communities', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a community with its groups, channels, roles and memberships (owner only); every open channel socket closes.' },
  { method: 'POST', path: '/api/communities/{id}/groups', access: 'user', tag: 'communities', status: 201, body: communities.CreateGroupRequest, errors: ['not_found', 'forbidden'], summary: 'Create a channel group at the end (MANAGE_CHANNELS).' },
  { method: 'PATCH', path: '/api/communities/{id}/groups/{groupId}', access: 'user', tag: 'communities', status: 200, body: communities.UpdateGroupRequest, errors: ['not_found', 'forbidden'], summary: 'Rename or reorder a group (MANAGE_CHANNELS).' },
  { method: 'DELETE', path: '/api/communities/{id}/groups/{groupId}', access: 'user', tag: 'communities', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a group; its channels stay, outside any group — except a personal group, whose channels go with it (MANAGE_CHANNELS).' },
  { method: 'POST', path: '/api/communities/{id}/personal-groups', access: 'user', tag: 'communities', status: 201, body: communities.CreatePersonalGroupRequest, errors: ['not_found', 'forbidden'], summary: 'Give member userId a personal group they administer; it starts private (moderators or MANAGE_CHANNELS). See docs/permissions.md.' },
  { method: 'PATCH', path: '/api/communities/{id}/personal-groups/{groupId}', access: 'user', tag: 'communities', status: 200, body: communities.UpdatePersonalGroupRequest, errors: ['not_found', 'forbidden'], summary: "Rename a personal group (its owner or moderators) or change its privacy (moderators only). Those who cannot see it get 404." },
  { method: 'DELETE', path: '/api/communities/{id}/personal-groups/{groupId}', access: 'user', tag: 'communities', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a personal group with its channels (moderators only); open sockets on them close.' },
  { method: 'GET', path: '/api/communities/{id}/personal-groups/{groupId}/members', access: 'user', tag: 'communities', status: 200, errors: ['not_found'], summary: "A personal group's owner and member list (anyone who can see the group)." },
  { method: 'PUT', path: '/api/communities/{id}/personal-groups/{groupId}/members/{userId}', access: 'user', tag: 'communities', status: 204, errors: ['not_found', 'forbidden'], summary: 'Let a community member see a private personal group (its owner or moderators).' },
  { method: 'DELETE', path: '/api/communities/{id}/personal-groups/{groupId}/members/{userId}', access: 'user', tag: 'communities', status: 204, errors: ['not_found', 'forbidden'], summary: "Take a member off a personal group's list; their sockets on its channels close when it is private (its owner or moderators)." },
  { method: 'POST', path: '/api/communities/{id}/channels', access: 'user', tag: 'communities', status: 201, body: communities.CreateChannelRequest, errors: ['not_found', 'forbidden'], summary: 'Create a text or voice channel, optionally in a group (MANAGE_CHANNELS).' },
  { method: 'GET', path: '/api/communities/{id}/members', access: 'user', tag: 'members', status: 200, errors: ['not_found'], summary: 'Members: userId, username, displayName, built-in role, joinedAt, timedOutUntil, custom role ids (any member).' },
  { method: 'POST', path: '/api/communities/{id}/transfer', access: 'user', tag: 'communities', status: 200, body: communities.TransferCommunityRequest, errors: ['not_found', 'forbidden', 'conflict'], summary: 'Hand the community to another member (owner only, with the password); the previous owner becomes an admin. Audited as ownership_transferred.' },
  { method: 'DELETE', path: '/api/communities/{id}/members/me', access: 'user', tag: 'members', status: 204, errors: ['not_found', 'conflict'], summary: 'Leave a community; the owner cannot (409: transfer it or delete it first). Your channel sockets close.' },
  { method: 'DELETE', path: '/api/communities/{id}/members/{userId}', access: 'user', tag: 'members', status: 204, errors: ['not_found', 'forbidden'], summary: 'Kick a member (KICK, and a built-in rank above theirs; never the owner). Their sockets close at once.' },
  { method: 'PATCH', path: '/api/communities/{id}/members/{userId}', access: 'user', tag: 'members', status: 200, body: communities.SetMemberRoleRequest, errors: ['not_found', 'forbidden'], summary: 'Set a member’s built-in role (MANAGE_ROLES; only for members below you and only to roles below yours; only the owner makes admins).' },
  { method: 'POST', path: '/api/communities/{id}/members/{userId}/timeout', access: 'user', tag: 'members', status: 200, body: communities.TimeoutRequest, errors: ['not_found', 'forbidden'], summary: 'Time a member out for 60 s–28 days, or lift it with 0 (TIMEOUT, rank above theirs): they may read but not send, react or attach.' },
  { method: 'POST', path: '/api/communities/{id}/bans', access: 'user', tag: 'members', status: 201, body: communities.BanRequest, errors: ['not_found', 'forbidden', 'conflict'], summary: 'Ban a user, member or not, optionally until a time (BAN, rank above theirs). Removes the membership and closes their sockets.' },
  { method: 'GET', path: '/api/communities/{id}/bans', access: 'user', tag: 'members', status: 200, errors: ['not_found', 'forbidden'], summary: 'Current bans (BAN).' },
  { method: 'DELETE', path: '/api/communities/{id}/bans/{userId}', access: 'user', tag: 'members', status: 204, errors: ['not_found', 'forbidden'], summary: 'Lift a ban (BAN), if you imposed it or outrank whoever did. The user may rejoin with an invite.' },
  { method: 'POST', path: '/api/communities/{id}/roles', access: 'user', tag: 'roles', status: 201, body: communities.CreateRoleRequest, errors: ['not_found', 'forbidden'], summary: 'Create a custom role (MANAGE_ROLES; only bits you hold yourself; ADMINISTRATOR only the owner).' },
  { method: 'GET', path: '/api/communities/{id}/roles', access: 'user', tag: 'roles', status: 200, errors: ['not_found'], summary: 'Custom roles with their permission bits (any member).' },
  { method: 'DELETE', path: '/api/communities/{id}/roles/{roleId}', access: 'user', tag: 'roles', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a custom role (MANAGE_ROLES; only roles whose bits you hold).' },
  { method: 'PUT', path: '/api/communities/{id}/members/{userId}/roles/{roleId}', access: 'user', tag: 'roles', status: 204, errors: ['not_found', 'forbidden'], summary: 'Give a member a custom role (MANAGE_ROLES, rank above theirs, only roles whose bits you hold; never yourself).' },
  { method: 'DELETE', path: '/api/communities/{id}/members/{userId}/roles/{roleId}', access: 'user', tag: 'roles', status: 204, errors: ['not_found', 'forbidden'], summary: 'Take a custom role from a member (same rules as giving it).' },
  { method: 'POST', path: '/api/communities/{id}/invites', access: 'user', tag: 'invites', status: 201, body: communities.CreateCommunityInviteRequest, errors: ['not_found', 'forbidden'], summary: 'Create a community invite code (MANAGE_INVITES; optional max uses; expiry 1 hour to 1 year). admitsNewAccounts (instance owners and admins only) lets the link also register new accounts on an invite-only instance, for as long as its maker may invite to the instance.' },
  { method: 'GET', path: '/api/communities/{id}/invites', access: 'user', tag: 'invites', status: 200, errors: ['not_found', 'forbidden'], summary: 'The community’s invites with use counts and state (MANAGE_INVITES).' },
  { method: 'DELETE', path: '/api/communities/{id}/invites/{code}', access: 'user', tag: 'invites', status: 204, errors: ['not_found', 'forbidden'], summary: 'Revoke a community invite (MANAGE_INVITES): your own, or one made by someone you outrank.' },
  { method: 'POST', path: '/api/community-invites/{code}/join', access: 'user', tag: 'invites', status: 200, errors: ['not_found', 'forbidden', 'conflict', 'invite_exhausted', 'invite_expired', 'invite_revoked'], summary: 'Join a community with an invite code; atomic, so a code’s last use goes to exactly one caller. Banned users get 403 `banned`, members 409; either way the use is given back. Returns the community view.' },

  { method: 'PATCH', path: '/api/channels/{id}', access: 'user', tag: 'channels', status: 200, body: communities.UpdateChannelRequest, errors: ['not_found', 'forbidden'], summary: 'Rename, reorder, move to a group, archive or set slow mode (0–21600 s) on a channel (MANAGE_CHANNELS in it). Open sockets follow slow mode at once.' },
  { method: 'DELETE', path: '/api/channels/{id}', access: 'user', tag: 'channels', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a community channel (MANAGE_CHANNELS in it); DMs cannot be deleted by anyone.' },
  { method: 'PUT', path: '/api/channels/{id}/overrides', access: 'user', tag: 'channels', status: 204, body: communities.SetOverrideRequest, errors: ['not_found', 'forbidden'], summary: 'Set (or clear with allow = deny = 0) a role’s or member’s allow/deny bits in a channel (MANAGE_ROLES in it; only bits you hold there; members below your rank).' },
  { method: 'GET', path: '/api/channels/{id}/members', access: 'user', tag: 'channels', status: 200, errors: ['not_found'], summary: 'Who can see the channel, with their bits in it: the members of a DM, or the community members with VIEW.' },

  { method: 'POST', path: '/api/dms', access: 'user', tag: 'dms', status: 201, body: communities.CreateDmRequest, errors: ['not_found'], summary: 'Start a DM (one other user; returns the existing one with 200 if there is one, accepting it if it was a request to you) or a group DM (2–24 others, 25 people at most). Someone whose dmPolicy does not take you directly gets it as a request (listed in pendingIds); until someone accepts, you may read but not send.' },
  { method: 'GET', path: '/api/dms', access: 'user', tag: 'dms', status: 200, summary: 'Your DMs and group DMs (memberIds: who accepted; pendingIds: whom it waits for) and the requests waiting for your answer.' },
  { method: 'POST', path: '/api/dms/{id}/accept', access: 'user', tag: 'dms', status: 200, errors: ['not_found'], summary: 'Accept a DM request (or a DM you declined before): its other side may send to you.' },
  { method: 'POST', path: '/api/dms/{id}/decline', access: 'user', tag: 'dms', status: 204, errors: ['not_found'], summary: 'Decline a DM request, or leave and block a 1:1 DM: its other side can no longer send to you, see your presence or reach your devices through it. Accepting it again undoes this.' },
  { method: 'DELETE', path: '/api/dms/{id}/members/me', access: 'user', tag: 'dms', status: 204, errors: ['not_found', 'conflict'], summary: 'Leave a group DM (a 1:1 DM is left by declining it: 409). Your sockets in it close.' },

  { method: 'GET', path: '/api/files/usage', access: 'user', tag: 'files', status: 200, summary: 'Your stored files: usedBytes, quotaBytes (FILE_QUOTA_MB) and maxFileBytes (MAX_FILE_SIZE_MB).' },
  { method: 'POST', path: '/api/files', access: 'user', tag: 'files', status: 201, body: files.CreateFileRequest, errors: ['not_found', 'forbidden', 'payload_too_large', 'quota_exceeded'], summary: 'Start an encrypted file upload into a conversation you may send files in (SEND and ATTACH), declaring its ciphertext size. Past MAX_FILE_SIZE_MB: 413 naming the limit; past your quota: 413 quota_exceeded; too many uploads open for you or your address: 429. Returns the file with its id and partBytes.' },
  { method: 'GET', path: '/api/files/{id}', access: 'user', tag: 'files', status: 200, errors: ['not_found'], summary: 'Where an upload stands (received, complete): a resumed upload goes on from `received`. For its uploader and whoever can see its conversation; 404 for anyone else.' },
  { method: 'PUT', path: '/api/files/{id}/parts/{n}', access: 'user', tag: 'files', status: 200, errors: ['not_found', 'forbidden', 'conflict', 'payload_too_large'], summary: 'Store part n of your upload (application/octet-stream): it must be the next one (409 says which) and exactly partBytes long, or what the declared size leaves for the last (413 longer, 400 shorter). Returns {received, complete}.' },
  { method: 'GET', path: '/api/files/{id}/content', access: 'user', tag: 'files', status: 200, errors: ['not_found'], summary: 'The ciphertext of a complete file, streamed (Range: bytes=… answers 206), for whoever can see its conversation now; removed and banned members and strangers get 404.' },
  { method: 'DELETE', path: '/api/files/{id}', access: 'user', tag: 'files', status: 204, errors: ['not_found', 'forbidden'], summary: 'Delete a file and its blobs: its uploader, or a member with MANAGE_MESSAGES in its conversation.' },

  { method: 'GET', path: '/ws/hub', access: 'public', tag: 'sockets', status: 101, errors: ['not_found'], summary: 'WebSocket into your user hub for one of your devices (?device=<id>): inbox, unread counts, presence, typing (see docs/protocol.md).' },
  { method: 'GET', path: '/ws/channels/{id}', access: 'public', tag: 'sockets', status: 101, summary: 'WebSocket into a channel (see docs/protocol.md).' },
];
