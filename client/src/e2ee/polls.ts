/**
 * Counting a poll's votes (issue #15 item 1). A poll travels inside a message's ciphertext and
 * each vote is a `reaction` envelope on it whose body holds `vote` (MessageBody.ts), so the room
 * cannot tell a vote from a reaction and never sees a choice. Every client counts the same
 * envelopes in the same seq order by the same rule, so every screen shows the same tally.
 */
import type { Poll } from './MessageBody';

/** A poll as the list shows it: the votes that count, by voter (user id → option indexes). */
export interface PollView extends Poll {
  closed: boolean;
  ballots: Record<string, number[]>;
}

/** A vote counts when the poll is open (not closed before it, not past `closesAt` by the room's clock) and names options it has. */
export function applyVote(poll: PollView, voter: string, vote: number[], ts: number): void {
  if (poll.closed || (poll.closesAt !== undefined && ts > poll.closesAt)) return;
  if (vote.some((i) => i >= poll.options.length) || (!poll.multi && vote.length > 1)) return;
  if (vote.length === 0) delete poll.ballots[voter];
  else poll.ballots[voter] = [...vote].sort((a, b) => a - b);
}

