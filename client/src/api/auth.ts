/**
 * `/api/auth` and `/api/me` for the client: instance config, register, login (with the TOTP
 * step), logout. Request bodies are typed from protocol/auth.ts (types only: the schemas stay
 * on the server, so the login screen does not ship valibot).
 */
import type { InferInput } from 'valibot';
import type { AuthResponse, LoginRequest, PublicUser, RecoverRequest, RegisterRequest } from '../../../protocol/auth';
import { api } from './http';

export type { AuthResponse, PublicUser };
export type RegistrationMode = 'open' | 'invite_only' | 'closed';

/** What the instance says before anyone logs in. */
export interface AuthConfig {
  registrationMode: RegistrationMode;
  needsSetup: boolean;
  /** The instance fetches link previews for its members (LINK_PREVIEWS=on). */
  linkPreviews?: boolean;
  /** The instance has a GIF service (GIF_API_KEY). */
  gifs?: boolean;
  /** The instance's name and icon (Settings → Instance). */
  instance?: { name: string; iconId: string | null };
  /** The version of the terms and privacy policy a registration accepts (GET /api/legal). */
  legalVersion?: number;
}

export interface LegalDocuments {
  version: number;
  terms: string;
  privacy: string;
  custom: { terms: boolean; privacy: boolean };
}

export const getLegal = () => api<LegalDocuments>('/api/legal', { auth: false });
export const acceptTerms = (version: number) => api<PublicUser>('/api/me/terms', { method: 'POST', body: { version } });

let lastAuthConfig: Promise<AuthConfig> | undefined;
/** Reads the instance's public configuration, and remembers the read for lastAuthConfig. */
export const getAuthConfig = () => {
  const read = api<AuthConfig>('/api/auth/config', { auth: false });
  lastAuthConfig = read;
  read.catch(() => lastAuthConfig === read && (lastAuthConfig = undefined));
  return read;
};
/**
 * The configuration the app last read (it reads it as it starts), or a new read when there is
 * none: the chat's composer asked for it again as the chat screen opened, a request of its own in
 * a phone's longest task (bench:lighthouse).
 */
export const authConfig = () => lastAuthConfig ?? getAuthConfig();
export const register = (body: InferInput<typeof RegisterRequest>) => api<AuthResponse>('/api/auth/register', { method: 'POST', body, auth: false });
export const login = (body: InferInput<typeof LoginRequest>) => api<AuthResponse>('/api/auth/login', { method: 'POST', body, auth: false });
export const logout = () => api<void>('/api/auth/logout', { method: 'POST', signOut: true });
export const getMe = () => api<PublicUser>('/api/me');
export const recover = (body: InferInput<typeof RecoverRequest>) => api<AuthResponse>('/api/auth/recover', { method: 'POST', body, auth: false });
