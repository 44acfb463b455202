/** Username rules, confusable skeletons and display-name cleaning (SECURITY-TESTS I5). */
import { describe, expect, it } from 'vitest';
import { cleanDisplayName, normalizeUsername, RESERVED_USERNAMES, usernameProblem, usernameSkeleton } from './names';

const lookAlike = (a: string, b: string) => usernameSkeleton(a) === usernameSkeleton(b);

describe('usernameSkeleton', () => {
  it.each([
    ['paypa1', 'paypal'],
    ['rnallory', 'mallory'],
    ['adm1n', 'admin'],
    ['pay_pal', 'paypal'],
    ['vvalter', 'walter'],
    ['g00gle', 'google'],
    ['c1aire', 'claire'],
    ['a.dmin', 'admin'],
    ['5ecurity', 'security'],
    ['clave', 'dave'],
    ['l1ly', 'lily'],
  ])('I5: %s looks like %s', (a, b) => {
    expect(lookAlike(a, b)).toBe(true);
  });

  it.each([
    ['alice', 'alicia'],
    ['bob', 'rob'],
    ['john', 'joan'],
    ['admin2', 'admin'],
    ['mallory', 'malory'],
    ['walter', 'water'],
    ['dave', 'cave'],
    ['user_1', 'user_2'],
    ['anna', 'hanna'],
  ])('I5: %s does not look like %s', (a, b) => {
    expect(lookAlike(a, b)).toBe(false);
  });
});

describe('usernameProblem', () => {
  it('I5: look-alikes of reserved names are refused; the reserved names themselves too', () => {
    for (const name of ['adm1n', 'adrnin', 'r00t', 'supp0rt', 'rnod', 'b0t', 'every_one', 'no.reply', 'nu11']) {
      expect(usernameProblem(name), name).toBe('this username looks too much like a reserved name');
    }
    for (const name of RESERVED_USERNAMES) if (name.length >= 3) expect(usernameProblem(name), name).toBe('this username is reserved');
  });

  it('I5: the operator may take their exact ADMIN_USERNAME, reserved or not; nobody else a look-alike of it', () => {
    expect(usernameProblem('admin', { operator: 'admin' })).toBeNull();
    expect(usernameProblem('adm1n', { operator: 'admin' })).not.toBeNull();
    expect(usernameProblem('ops_team', { operator: 'ops_team' })).toBeNull();
    expect(usernameProblem('ops-team', { operator: 'ops_team' })).toBe('this username looks too much like a reserved name');
    expect(usernameProblem('ops-team')).toBeNull();
  });

  it('ordinary names pass; malformed ones are refused first', () => {
    for (const name of ['alice', 'bob_smith', 'carol.x', 'dora-99']) expect(usernameProblem(name), name).toBeNull();
    expect(usernameProblem(normalizeUsername('ad\u200Bmin'))).toMatch(/3–32 characters/);
    expect(usernameProblem('ab')).toMatch(/3–32 characters/);
  });
});

describe('cleanDisplayName', () => {
  it('I5: cleans like every other name and falls back to the username when nothing visible is left', () => {
    expect(cleanDisplayName('  Alice\u202E \u200BSmith\u0000 ', 'alice')).toBe('Alice Smith');
    expect(cleanDisplayName('\u200B\u202E', 'alice')).toBe('alice');
    expect(cleanDisplayName(undefined, 'alice')).toBe('alice');
  });

  it('cuts to 64 characters without leaving a trailing space', () => {
    expect(cleanDisplayName('é'.repeat(100), 'x')).toBe('é'.repeat(64));
    expect(cleanDisplayName(`${'a'.repeat(63)} b`, 'x')).toBe('a'.repeat(63));
  });
});
