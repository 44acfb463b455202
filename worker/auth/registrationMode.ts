/**
 * Who may register (issue #16 item 6): the mode the owner or an admin set at runtime (Settings →
 * Instance, stored as the `registration_mode` setting), else REGISTRATION_MODE from the
 * environment, else `invite_only`. The first account becomes the owner whatever the mode.
 */
import type { Env } from '../env';
import type { Storage } from '../storage/Storage';
import { REGISTRATION_MODES } from '../../protocol/auth';

export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export async function registrationMode(env: Env, storage: Storage): Promise<RegistrationMode> {
  const set = await storage.getSetting('registration_mode');
  const mode = set ?? env.REGISTRATION_MODE ?? 'invite_only';
  return (REGISTRATION_MODES as readonly string[]).includes(mode) ? (mode as RegistrationMode) : 'invite_only';
}
