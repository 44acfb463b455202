/**
 * Issue #15 item 1: the poll rules every client applies to the same envelopes in the same order,
 * and the strict reading of a poll and a vote from a decrypted body.
 */
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, MAX_POLL_OPTIONS } from './MessageBody';
import { applyVote, type PollView } from './polls';

const poll = (extra: Partial<PollView> = {}): PollView => ({ question: 'Lunch?', options: ['Pizza', 'Sushi', 'Tacos'], closed: false, ballots: {}, ...extra });

describe('polls', () => {
  it('counts the latest vote of each voter; an empty vote takes it back', () => {
    const p = poll();
    applyVote(p, 'bob', [1], 10);
    applyVote(p, 'alice', [0], 11);
    applyVote(p, 'bob', [0], 12);
    expect(p.ballots).toEqual({ bob: [0], alice: [0] });
    applyVote(p, 'alice', [], 13);
    expect(p.ballots).toEqual({ bob: [0] });
  });

  it('refuses a vote after closing, after closesAt by the room clock, for an option it lacks, or for several in a single-choice poll', () => {
    const timed = poll({ closesAt: 1_000 });
    applyVote(timed, 'bob', [2], 1_000);
    applyVote(timed, 'carol', [1], 1_001);
    expect(timed.ballots).toEqual({ bob: [2] });
    const single = poll();
    applyVote(single, 'bob', [0, 1], 1);
    applyVote(single, 'bob', [3], 2);
    expect(single.ballots).toEqual({});
    const multi = poll({ multi: true });
    applyVote(multi, 'bob', [2, 0], 1);
    expect(multi.ballots).toEqual({ bob: [0, 2] });
    multi.closed = true;
    applyVote(multi, 'bob', [1], 2);
    expect(multi.ballots).toEqual({ bob: [0, 2] });
  });

  it('reads a poll and a vote strictly: malformed ones are dropped, not half-read', () => {
    const round = (o: unknown) => decodeBody(new TextEncoder().encode(JSON.stringify(o)));
    expect(round({ v: 1, poll: { question: 'Q', options: ['a', 'b'], multi: true, anonymous: true, closesAt: 5 } })?.poll).toEqual({ question: 'Q', options: ['a', 'b'], multi: true, anonymous: true, closesAt: 5 });
    expect(decodeBody(encodeBody({ v: 1, vote: [2, 0], closePoll: true }))).toEqual({ v: 1, vote: [2, 0], closePoll: true });
    for (const bad of [{ question: 'Q', options: ['only one'] }, { question: '', options: ['a', 'b'] }, { question: 'Q', options: Array.from({ length: MAX_POLL_OPTIONS + 1 }, (_, i) => `o${i}`) }, { question: 'Q', options: ['a', 7] }, { question: 'Q'.repeat(301), options: ['a', 'b'] }]) {
      expect(round({ v: 1, poll: bad })?.poll).toBeUndefined();
    }
    for (const bad of [[1, 1], [-1], [0.5], ['0'], Array.from({ length: 11 }, (_, i) => i)]) expect(round({ v: 1, vote: bad })?.vote).toBeUndefined();
  });
});
