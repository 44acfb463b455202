/**
 * Request and response schemas for accounts and authentication (valibot), shared by the
 * worker's routes and the client. Strict objects: an unknown field is a 400, so a client cannot
 * smuggle `instanceRole` or `isAdmin` into a profile update (SECURITY-TESTS Z4).
 */
import * as v from 'valibot';
import { CleanText } from './names';

/** What the user types as a username; normalised (NFKC, lower case) before the rules apply. */
export const UsernameInput = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
export const PasswordInput = v.pipe(v.string(), v.minLength(1, 'password is required'), v.maxLength(1024, 'password must be at most 1024 characters'));
/** The password-reset verifier the client derives from its recovery code: 32 bytes, base64url. */
export const RecoveryVerifier = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'recoveryVerifier must be 32 bytes as base64url (43 characters)'));
/** A session's device label; cleaned (protocol/names.ts), and when empty the server names the session from its User-Agent. */
export const DeviceName = CleanText(64, 'deviceName');
/** A 6-digit TOTP code or a backup code (xxxx-xxxx-xxxx). */
export const SecondFactorCode = v.pipe(v.string(), v.regex(/^(\d{6}|[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$/, 'code must be 6 digits or a backup code'));
export const TotpCode = v.pipe(v.string(), v.regex(/^\d{6}$/, 'code must be 6 digits'));

export const RegisterRequest = v.strictObject({
  username: UsernameInput,
  password: PasswordInput,
  displayName: v.optional(v.pipe(v.string(), v.maxLength(200))),
  email: v.optional(v.pipe(v.string(), v.maxLength(254), v.email('email is not a valid address'))),
  inviteCode: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'inviteCode is not a valid code'))),
  recoveryVerifier: RecoveryVerifier,
  deviceName: v.optional(DeviceName),
  /** The version of the instance's terms and privacy policy the person accepted (GET /api/legal); it must be the current one. */
  acceptTerms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

export const LoginRequest = v.strictObject({
  username: UsernameInput,
  password: PasswordInput,
  code: v.optional(SecondFactorCode),
  deviceName: v.optional(DeviceName),
});

export const RefreshRequest = v.strictObject({ refreshToken: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'refreshToken is malformed')) });

export const RecoverRequest = v.strictObject({
  username: UsernameInput,
  recoveryVerifier: RecoveryVerifier,
  newPassword: PasswordInput,
  nextRecoveryVerifier: RecoveryVerifier,
  /** With 2FA on, the authenticator code or a backup code too: the recovery code replaces the password, not the second factor. */
  code: v.optional(SecondFactorCode),
});

export const ChangePasswordRequest = v.strictObject({ currentPassword: PasswordInput, newPassword: PasswordInput });
export const RegenerateRecoveryRequest = v.strictObject({ password: PasswordInput, recoveryVerifier: RecoveryVerifier });
/** Who may start a DM with you directly; anyone else sends a request you accept or decline. */
export const DM_POLICIES = ['everyone', 'communities', 'requests'] as const;
/** Longest status a person sets ("In a meeting until 3"). */
export const MAX_STATUS_CHARS = 80;
export const UpdateProfileRequest = v.strictObject({
  displayName: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /** A short status shown beside the name; null or empty clears it. */
  statusText: v.optional(v.nullable(CleanText(MAX_STATUS_CHARS, 'statusText'))),
  dmPolicy: v.optional(v.picklist(DM_POLICIES, 'dmPolicy must be everyone, communities or requests')),
  email: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(254), v.email('email is not a valid address')))),
});
export const DeleteAccountRequest = v.strictObject({ password: PasswordInput, code: v.optional(SecondFactorCode) });
export const TotpCodeRequest = v.strictObject({ code: TotpCode });
/** Turning 2FA on proves the password again: a stolen access token alone must not lock the owner out. */
export const TotpEnrollRequest = v.strictObject({ password: PasswordInput });
export const TotpEnableRequest = v.strictObject({ code: TotpCode, password: PasswordInput });
export const TotpDisableRequest = v.strictObject({ code: SecondFactorCode, password: PasswordInput });

/** Invites: optional use limit and an expiry from one hour to one year. */
/** An admin quarantines an account pending review (issue #16), saying why; the account's owner sees the reason. */
export const QuarantineRequest = v.strictObject({ reason: v.pipe(CleanText(500, 'reason'), v.minLength(1, 'say why the account is quarantined')) });

export const CreateInviteRequest = v.strictObject({
  maxUses: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
  expiresInSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(3600, 'expiry must be at least one hour'), v.maxValue(31_536_000, 'expiry must be at most one year'))),
});

export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  instanceRole: 'owner' | 'admin' | 'user' | 'bot';
  createdAt: number;
  totpEnabled: boolean;
  /** Who may start a DM with this user directly (their own setting; only they see it). */
  dmPolicy: (typeof DM_POLICIES)[number];
  /** Avatar and profile banner image ids (`/api/images/{id}`); null when none. */
  avatarId: string | null;
  bannerId: string | null;
  /** The status the person set, shown beside their name; null when none. */
  statusText: string | null;
  /** Set while the instance's admins hold the account to reading only (issue #16): since when, and why. */
  quarantine: { since: number; reason: string } | null;
  /** The version of the instance's terms and privacy policy this account accepted; below the current one (config `legalVersion`), it is asked again. */
  termsVersion: number | null;
}

export interface AuthResponse {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: PublicUser;
  /** After registering with a community invite: the community the new account has joined. */
  joinedCommunityId?: string;
}

/** Announcements (issue #16 item 6): an instance-wide banner. */
export const ANNOUNCEMENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const MAX_ANNOUNCEMENT_CHARS = 1000;
export const CreateAnnouncementRequest = v.strictObject({
  text: v.pipe(CleanText(MAX_ANNOUNCEMENT_CHARS, 'text'), v.minLength(1, 'say something')),
  severity: v.optional(v.picklist(ANNOUNCEMENT_SEVERITIES, `severity must be one of ${ANNOUNCEMENT_SEVERITIES.join(', ')}`)),
  /** When it stops showing (ms since the epoch); none: until removed. */
  endsAt: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** An admin's reason for an account action (a 2FA reset, a deletion): audited. */
export const AdminReasonRequest = v.strictObject({ reason: v.pipe(CleanText(500, 'reason'), v.minLength(1, 'say why')) });
/** The owner makes an account an admin, or a user again. */
export const SetInstanceRoleRequest = v.strictObject({ instanceRole: v.picklist(['admin', 'user'], 'instanceRole must be admin or user') });

/** Feedback and bug reports from settings (issue #16 item 6). */
export const MAX_OPEN_FEEDBACK_PER_USER = 10;
export const FeedbackRequest = v.strictObject({
  kind: v.picklist(['feedback', 'bug'], 'kind must be feedback or bug'),
  text: v.pipe(CleanText(4000, 'text'), v.minLength(1, 'say something')),
});

/** Instance settings the owner and admins change at runtime (issue #16 item 6). */
export const REGISTRATION_MODES = ['open', 'invite_only', 'closed'] as const;
export const InstanceSettingsRequest = v.strictObject({
  registrationMode: v.optional(v.picklist(REGISTRATION_MODES, `registrationMode must be one of ${REGISTRATION_MODES.join(', ')}`)),
  /** The instance's name, shown on the sign-in page and in the title (empty: "Chatalot"). */
  name: v.optional(CleanText(64, 'name')),
});

/** Accepting the current terms and privacy policy (again, after they changed). */
export const AcceptTermsRequest = v.strictObject({ version: v.pipe(v.number(), v.integer(), v.minValue(1)) });
/** Publishing the instance's own terms or privacy policy (null: back to the built-in text). */
export const LegalUpdateRequest = v.strictObject({
  terms: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(100_000, 'terms may be at most 100,000 characters')))),
  privacy: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(100_000, 'privacy may be at most 100,000 characters')))),
  /** Ask everyone to accept again: the version goes up by one. */
  reaccept: v.optional(v.boolean()),
});
/** Suspending an account: it cannot sign in until an admin lifts it. */
export const SuspendRequest = v.strictObject({ reason: v.pipe(CleanText(500, 'reason'), v.minLength(1, 'say why')) });
