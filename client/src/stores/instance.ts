/** The instance's name and icon (Settings → Instance), as GET /api/auth/config last gave them; the sign-in pages and the title show them. */
import { createSignal } from 'solid-js';

export interface InstanceProfile {
  name: string;
  iconId: string | null;
}

const [profile, setProfile] = createSignal<InstanceProfile>({ name: 'Chatalot', iconId: null });
export const instanceProfile = profile;
export const setInstanceProfile = setProfile;
