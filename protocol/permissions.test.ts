/** The precedence rule of protocol/permissions.ts, case by case (docs/permissions.md). */
import { describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, BUILT_IN, effectivePermissions, has, Permission as P } from './permissions';

describe('effectivePermissions', () => {
  it('the owner has everything, whatever the overrides say', () => {
    expect(effectivePermissions({ role: 'owner', customRoles: [], channelOverrides: { roles: {}, member: { allow: 0, deny: ALL_PERMISSIONS } } })).toBe(ALL_PERMISSIONS);
  });

  it('built-in roles: members send, moderators manage messages, neither manages roles', () => {
    const member = effectivePermissions({ role: 'member', customRoles: [] });
    expect(has(member, P.SEND)).toBe(true);
    expect(has(member, P.MANAGE_MESSAGES)).toBe(false);
    const mod = effectivePermissions({ role: 'moderator', customRoles: [] });
    expect(has(mod, P.MANAGE_MESSAGES) && has(mod, P.BAN) && has(mod, P.TIMEOUT)).toBe(true);
    expect(has(mod, P.MANAGE_ROLES)).toBe(false);
  });

  it('custom roles add bits; ADMINISTRATOR grants all and ignores channel overrides', () => {
    expect(has(effectivePermissions({ role: 'member', customRoles: [{ id: 'r', permissions: P.MANAGE_EMOJI }] }), P.MANAGE_EMOJI)).toBe(true);
    const admin = effectivePermissions({ role: 'member', customRoles: [{ id: 'a', permissions: P.ADMINISTRATOR }], channelOverrides: { roles: { a: { allow: 0, deny: P.VIEW } } } });
    expect(admin).toBe(ALL_PERMISSIONS);
  });

  it('channel overrides: role denies then allows, then the member override wins', () => {
    const facts = { role: 'member' as const, customRoles: [{ id: 'muted', permissions: 0 }, { id: 'vip', permissions: 0 }] };
    const readOnly = effectivePermissions({ ...facts, channelOverrides: { roles: { muted: { allow: 0, deny: P.SEND } } } });
    expect(has(readOnly, P.VIEW)).toBe(true);
    expect(has(readOnly, P.SEND)).toBe(false);
    // An allow from another role beats a deny from one role (all denies first, then all allows).
    const both = effectivePermissions({ ...facts, channelOverrides: { roles: { muted: { allow: 0, deny: P.SEND }, vip: { allow: P.SEND, deny: 0 } } } });
    expect(has(both, P.SEND)).toBe(true);
    const memberDeny = effectivePermissions({ ...facts, channelOverrides: { roles: { vip: { allow: P.SEND, deny: 0 } }, member: { allow: 0, deny: P.SEND } } });
    expect(has(memberDeny, P.SEND)).toBe(false);
  });

  it('without VIEW in a channel nothing else applies', () => {
    expect(effectivePermissions({ role: 'moderator', customRoles: [], channelOverrides: { roles: {}, member: { allow: 0, deny: P.VIEW } } })).toBe(0);
    expect(BUILT_IN.member & P.VIEW).toBeTruthy();
  });
});
