/**
 * The route manifest: every HTTP route with who may call it, what it takes and what it answers.
 * It is the source of the OpenAPI document (served at /api/openapi.json and written to
 * docs/openapi.json), and tests/routes.test.ts fails when a route exists in the app but not
 * here, or the reverse, so an unlisted route cannot slip past the authorization tests (Z1).
 */
import type { GenericSchema } from 'valibot';
import * as auth from '../../protocol/auth';
import * as keys from '../../protocol/keys';

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
  { method: 'POST', path: '/api/auth/register', access: 'public', tag: 'auth', status: 201, body: auth.RegisterRequest, errors: ['conflict', 'forbidden', 'invite_exhausted', 'invite_expired', 'invite_revoked', 'not_found'], summary: 'Create an account. The first account (or ADMIN_USERNAME) becomes the owner; otherwise REGISTRATION_MODE applies. Returns tokens.' },
  { method: 'POST', path: '/api/auth/login', access: 'public', tag: 'auth', status: 200, body: auth.LoginRequest, errors: ['invalid_credentials', 'totp_required', 'invalid_code'], summary: 'Sign in with password and, when 2FA is on, a TOTP or backup code. Unknown user, wrong password and locked account answer alike.' },
  { method: 'POST', path: '/api/auth/refresh', access: 'public', tag: 'auth', status: 200, body: auth.RefreshRequest, errors: ['unauthorized', 'refresh_conflict', 'refresh_reused'], summary: 'Rotate a refresh token. Presenting a rotated one again ends its whole session.' },
  { method: 'POST', path: '/api/auth/logout', access: 'user', tag: 'auth', status: 204, summary: 'End the current session.' },
  { method: 'POST', path: '/api/auth/recover', access: 'public', tag: 'auth', status: 200, body: auth.RecoverRequest, errors: ['invalid_recovery'], summary: 'Reset the password with the recovery verifier; ends every session and installs the next verifier. Returns tokens.' },

  { method: 'GET', path: '/api/me', access: 'user', tag: 'account', status: 200, summary: 'The signed-in user.' },
  { method: 'PATCH', path: '/api/me', access: 'user', tag: 'account', status: 200, body: auth.UpdateProfileRequest, summary: 'Change display name or email.' },
  { method: 'DELETE', path: '/api/me', access: 'user', tag: 'account', status: 204, body: auth.DeleteAccountRequest, errors: ['forbidden', 'totp_required', 'invalid_code'], summary: 'Delete the account (password, and a code when 2FA is on).' },
  { method: 'POST', path: '/api/me/password', access: 'user', tag: 'account', status: 200, body: auth.ChangePasswordRequest, errors: ['forbidden'], summary: 'Change the password; ends every other session.' },
  { method: 'POST', path: '/api/me/recovery', access: 'user', tag: 'account', status: 204, body: auth.RegenerateRecoveryRequest, errors: ['forbidden'], summary: 'Install a new recovery verifier (the client made a new recovery code).' },
  { method: 'GET', path: '/api/me/sessions', access: 'user', tag: 'account', status: 200, summary: 'Live sessions: device, IP, user agent, created, last used, current.' },
  { method: 'DELETE', path: '/api/me/sessions/{id}', access: 'user', tag: 'account', status: 204, errors: ['not_found'], summary: 'End one of your sessions.' },
  { method: 'POST', path: '/api/me/sessions/revoke-others', access: 'user', tag: 'account', status: 200, summary: 'End every session but this one.' },
  { method: 'POST', path: '/api/me/totp/enroll', access: 'user', tag: 'account', status: 200, errors: ['conflict'], summary: 'Start TOTP enrolment: the secret and its otpauth:// URI (the client draws the QR code).' },
  { method: 'POST', path: '/api/me/totp/enable', access: 'user', tag: 'account', status: 200, body: auth.TotpCodeRequest, errors: ['conflict', 'invalid_code'], summary: 'Confirm enrolment with a code; returns 8 single-use backup codes and ends other sessions.' },
  { method: 'POST', path: '/api/me/totp/disable', access: 'user', tag: 'account', status: 204, body: auth.TotpDisableRequest, errors: ['conflict', 'invalid_code', 'forbidden'], summary: 'Turn 2FA off (password and a code); ends other sessions.' },
  { method: 'POST', path: '/api/me/totp/backup-codes', access: 'user', tag: 'account', status: 200, body: auth.TotpCodeRequest, errors: ['conflict', 'invalid_code'], summary: 'Replace the backup codes (the old set stops working).' },
  { method: 'GET', path: '/api/me/audit', access: 'user', tag: 'account', status: 200, summary: 'Your security events, newest first (?before=<ms>&limit=).' },

  { method: 'POST', path: '/api/invites', access: 'admin', tag: 'admin', status: 201, body: auth.CreateInviteRequest, summary: 'Create an instance invite code (optional max uses; expiry 1 hour to 1 year).' },
  { method: 'GET', path: '/api/invites', access: 'admin', tag: 'admin', status: 200, summary: 'Instance invites with their use counts and state.' },
  { method: 'DELETE', path: '/api/invites/{code}', access: 'admin', tag: 'admin', status: 204, errors: ['not_found'], summary: 'Revoke an invite.' },
  { method: 'GET', path: '/api/admin/audit', access: 'admin', tag: 'admin', status: 200, summary: 'Every account’s security events (?userId=&event=&before=&limit=).' },

  { method: 'POST', path: '/api/devices', access: 'user', tag: 'keys', status: 201, body: keys.RegisterDeviceRequest, errors: ['conflict'], summary: 'Register a device with its public identity, signed prekey, ML-KEM prekey and one-time prekeys.' },
  { method: 'GET', path: '/api/devices', access: 'user', tag: 'keys', status: 200, summary: 'Your devices, with how many one-time prekeys each has left (replenish below 20).' },
  { method: 'PUT', path: '/api/devices/{id}/prekeys', access: 'user', tag: 'keys', status: 200, body: keys.UploadPreKeysRequest, errors: ['not_found'], summary: 'Rotate the signed / ML-KEM prekey and add one-time prekeys (at most 100 per call).' },
  { method: 'DELETE', path: '/api/devices/{id}', access: 'user', tag: 'keys', status: 204, errors: ['not_found'], summary: 'Remove one of your devices and its keys.' },
  { method: 'GET', path: '/api/users/by-name/{username}', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Find a user by username (to start a conversation).' },
  { method: 'GET', path: '/api/users/{id}/devices', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'A user’s devices and public identities, with their signed device list.' },
  { method: 'POST', path: '/api/users/{id}/bundles', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Claim one prekey bundle per device of a user; each one-time prekey is handed out once (none when exhausted).' },
  { method: 'GET', path: '/api/users/{id}/device-list', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'A user’s client-signed device list.' },
  { method: 'PUT', path: '/api/device-list', access: 'user', tag: 'keys', status: 204, body: keys.PutDeviceListRequest, errors: ['conflict'], summary: 'Publish your signed device list (the version must grow).' },
  { method: 'PUT', path: '/api/key-backup', access: 'user', tag: 'keys', status: 204, errors: ['conflict', 'payload_too_large', 'unsupported_media_type'], summary: 'Store your encrypted key backup (application/octet-stream, X-Backup-Version must grow, at most 16 MiB).' },
  { method: 'GET', path: '/api/key-backup', access: 'user', tag: 'keys', status: 200, errors: ['not_found'], summary: 'Fetch your encrypted key backup (X-Backup-Version header).' },

  { method: 'GET', path: '/ws/channels/{id}', access: 'public', tag: 'sockets', status: 101, summary: 'WebSocket into a channel (see docs/protocol.md).' },
];
