/**
 * What the getting-started checklist remembers on this device, per account, in localStorage:
 * that the user made an invite, confirmed saving a recovery code, or dismissed the list. Kept
 * apart from the components so the sign-in screens can set a flag without loading the chat code.
 */
export const INVITED_KEY = (userId: string) => `chatalot.invited.${userId}`;
export const RECOVERY_SAVED_KEY = (userId: string) => `chatalot.recoverySaved.${userId}`;
export const CHECKLIST_DISMISSED_KEY = (userId: string) => `chatalot.checklist.dismissed.${userId}`;
