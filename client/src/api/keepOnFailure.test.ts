/** A list read again keeps what it has when the read fails; a first read that fails still fails. */
import { describe, expect, it } from 'vitest';
import { keepOnFailure } from './keepOnFailure';

describe('keepOnFailure', () => {
  const offline = () => Promise.reject(new Error('The server cannot be reached.'));
  it('reads again when it can', async () => {
    expect(await keepOnFailure(async () => ['new'])(true, { value: ['old'], refetching: true })).toEqual(['new']);
  });
  it('keeps the list it has when reading again fails', async () => {
    expect(await keepOnFailure<string[]>(offline)(true, { value: ['old'], refetching: true })).toEqual(['old']);
  });
  it('fails a first read, and a read again with nothing held', async () => {
    await expect(keepOnFailure<string[]>(offline)(true, { value: undefined, refetching: false })).rejects.toThrow('cannot be reached');
    await expect(keepOnFailure<string[]>(offline)(true, { value: undefined, refetching: true })).rejects.toThrow('cannot be reached');
  });
});
