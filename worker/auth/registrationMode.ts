/**
 * Who may register (issue #16 item 6): the mode the owner or an admin set at runtime (Settings →
 * Instance, stored as the `registration_mode` setting), else REGISTRATION_MODE from the
 * environment, else `invite_only`. The first account becomes the owner whatever the mode. Also
 * the instance's name and icon, the other runtime settings everyone reads (GET /api/auth/config).
 */
import type { Env } from '../env';
import type { Storage } from '../storage/Storage';
import { REGISTRATION_MODES } from '../../protocol/auth';

export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** The instance's name and icon as set in Settings → Instance (empty settings: "Chatalot", no icon). */
export async function instanceProfile(storage: Storage): Promise<{ name: string; iconId: string | null }> {
  const [name, iconId] = await Promise.all([storage.getSetting('instance_name'), storage.getSetting('instance_icon')]);
  return { name: name || 'Chatalot', iconId: iconId || null };
}

export async function registrationMode(env: Env, storage: Storage): Promise<RegistrationMode> {
  const set = await storage.getSetting('registration_mode');
  const mode = set ?? env.REGISTRATION_MODE ?? 'invite_only';
  return (REGISTRATION_MODES as readonly string[]).includes(mode) ? (mode as RegistrationMode) : 'invite_only';
}
