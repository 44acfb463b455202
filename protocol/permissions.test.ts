/** The precedence rule of protocol/permissions.ts, case by case (docs/permissions.md). */
import { describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, BUILT_IN, effectivePermissions, GROUP_OWNER_RANK, has, isStaff, PERSONAL_GROUP_OWNER, PERSONAL_GROUP_STAFF, Permission as P, RANK, rankIn } from './permissions';

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

describe('effectivePermissions in a personal group', () => {
  const priv = { owner: false, private: true, listed: false };
  const denyAll = { roles: {}, member: { allow: 0, deny: ALL_PERMISSIONS & ~P.ADMINISTRATOR } };

  it('the owner runs the group: PERSONAL_GROUP_OWNER on top of their bits, and no override takes it away', () => {
    const bits = effectivePermissions({ role: 'member', customRoles: [], channelOverrides: denyAll, personalGroup: { ...priv, owner: true } });
    expect(bits).toBe(PERSONAL_GROUP_OWNER);
    expect(has(bits, P.MANAGE_CHANNELS | P.MANAGE_MESSAGES | P.MANAGE_ROLES)).toBe(true);
    // Nothing community-wide comes with it.
    expect(bits & (P.KICK | P.BAN | P.TIMEOUT | P.MANAGE_INVITES | P.ADMINISTRATOR)).toBe(0);
  });

  it('outside the group the owner is a plain member: the grant exists only where the personal-group fact is passed', () => {
    expect(effectivePermissions({ role: 'member', customRoles: [] })).toBe(BUILT_IN.member);
  });

  it('a private group is invisible to members off its list, and an override allowing VIEW does not change that', () => {
    expect(effectivePermissions({ role: 'member', customRoles: [], personalGroup: priv })).toBe(0);
    expect(effectivePermissions({ role: 'member', customRoles: [], channelOverrides: { roles: {}, member: { allow: P.VIEW, deny: 0 } }, personalGroup: priv })).toBe(0);
    expect(effectivePermissions({ role: 'member', customRoles: [{ id: 'r', permissions: P.MANAGE_ROLES }], personalGroup: priv })).toBe(0);
  });

  it('listed members get their usual bits, which the owner\'s overrides shape', () => {
    expect(effectivePermissions({ role: 'member', customRoles: [], personalGroup: { ...priv, listed: true } })).toBe(BUILT_IN.member);
    const muted = effectivePermissions({ role: 'member', customRoles: [], channelOverrides: { roles: {}, member: { allow: 0, deny: P.SEND } }, personalGroup: { ...priv, listed: true } });
    expect(has(muted, P.SEND)).toBe(false);
    expect(has(muted, P.VIEW)).toBe(true);
  });

  it('a group that is not private follows the ordinary rules for everyone', () => {
    expect(effectivePermissions({ role: 'member', customRoles: [], personalGroup: { ...priv, private: false } })).toBe(BUILT_IN.member);
  });

  it('staff (moderator rank, or community MANAGE_CHANNELS) always see it and keep MANAGE_MESSAGES, whatever the overrides', () => {
    const mod = effectivePermissions({ role: 'moderator', customRoles: [], channelOverrides: denyAll, personalGroup: priv });
    expect(mod).toBe(PERSONAL_GROUP_STAFF);
    expect(has(effectivePermissions({ role: 'moderator', customRoles: [], personalGroup: priv }), BUILT_IN.moderator)).toBe(true);
    const manager = effectivePermissions({ role: 'member', customRoles: [{ id: 'm', permissions: P.MANAGE_CHANNELS }], channelOverrides: denyAll, personalGroup: priv });
    expect(manager).toBe(PERSONAL_GROUP_STAFF);
    expect(isStaff('member', BUILT_IN.member)).toBe(false);
    expect(isStaff('moderator', BUILT_IN.moderator)).toBe(true);
    expect(isStaff('member', P.MANAGE_CHANNELS)).toBe(true);
  });

  it('the community owner and ADMINISTRATOR are untouched by the personal-group step', () => {
    expect(effectivePermissions({ role: 'owner', customRoles: [], personalGroup: priv })).toBe(ALL_PERMISSIONS);
    expect(effectivePermissions({ role: 'admin', customRoles: [], personalGroup: priv })).toBe(ALL_PERMISSIONS);
  });

  it('inside their group the owner ranks above members and below moderators; elsewhere they keep their rank', () => {
    expect(rankIn('member', true)).toBe(GROUP_OWNER_RANK);
    expect(rankIn('member', true)).toBeGreaterThan(RANK.member);
    expect(rankIn('member', true)).toBeLessThan(RANK.moderator);
    expect(rankIn('member', false)).toBe(RANK.member);
    expect(rankIn('moderator', true)).toBe(RANK.moderator);
  });
});
