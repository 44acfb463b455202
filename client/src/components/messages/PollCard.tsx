/**
 * A poll in the message list (issue #15 item 1): the question, each option with its count and
 * share of the voters, the voters' names unless the poll is anonymous, and whether it is open.
 * Choosing an option sends this person's whole choice again as an encrypted vote (choosing the
 * only chosen option of a single-choice poll takes the vote back); the author can close it.
 * Votes arrive as envelopes, so the counts move live as members vote.
 */
import { Icon } from '../Icon';
import { For, Show } from 'solid-js';
import { listFormat, locale, t } from '../../i18n';
import type { PollView } from '../../e2ee/polls';
import { messageTimeFull } from './messageTime';
import { preferences } from '../../stores/preferences';

export function PollCard(props: { poll: PollView; me: string; isAuthor: boolean; now: number; pending: boolean; nameOf: (id: string) => string; onVote: (choice: number[]) => void; onClose: () => void }) {
  const open = () => !props.poll.closed && (props.poll.closesAt === undefined || props.now < props.poll.closesAt);
  const mine = () => props.poll.ballots[props.me] ?? [];
  const voters = () => Object.keys(props.poll.ballots).length;
  const votersOf = (i: number) => Object.entries(props.poll.ballots).filter(([, v]) => v.includes(i)).map(([u]) => u);
  const choose = (i: number) => {
    const chosen = mine().includes(i);
    if (props.poll.multi) props.onVote(chosen ? mine().filter((x) => x !== i) : [...mine(), i]);
    else props.onVote(chosen ? [] : [i]);
  };
  return (
    <section class="poll" data-testid="poll" aria-label={t('Poll: {question}', { question: props.poll.question })}>
      <p class="poll-question">
        <Icon name="poll" /> {props.poll.question}
      </p>
      <ul class="poll-options">
        <For each={props.poll.options}>
          {(option, i) => {
            const count = () => votersOf(i()).length;
            const share = () => (voters() === 0 ? 0 : Math.round((100 * count()) / voters()));
            return (
              <li>
                <button type="button" class="poll-option" role={props.poll.multi ? 'checkbox' : 'radio'} aria-checked={mine().includes(i())} disabled={!open() || props.pending} onClick={() => choose(i())}>
                  <span class="poll-bar" style={{ width: `${share()}%` }} aria-hidden="true" />
                  <span class="poll-label">{option}</span>
                  <span class="poll-count" data-testid="poll-count">
                    {t('{count} votes', { count: count() })} · {share()}%
                  </span>
                </button>
                <Show when={!props.poll.anonymous && count() > 0}>
                  <p class="poll-voters">{listFormat().format(votersOf(i()).map((u) => props.nameOf(u)))}</p>
                </Show>
              </li>
            );
          }}
        </For>
      </ul>
      <p class="poll-status" data-testid="poll-status">
        {t('{count} people voted', { count: voters() })} ·{' '}
        {open()
          ? props.poll.closesAt !== undefined
            ? t('closes {when}', { when: messageTimeFull(props.poll.closesAt, preferences().clock, locale()) })
            : t('open')
          : t('closed')}
        {props.poll.anonymous ? ` · ${t('anonymous')}` : ''} {props.poll.multi ? ` · ${t('several answers allowed')}` : ''}
      </p>
      <Show when={open() && props.isAuthor && !props.pending}>
        <button type="button" class="link-button" onClick={() => props.onClose()}>
          {t('Close poll')}
        </button>
      </Show>
    </section>
  );
}
