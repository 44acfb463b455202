/**
 * The dialog that makes a poll (issue #15 item 1): a question, 2 to 10 options, single or
 * several answers, anonymous or named, and when it closes. The poll goes out as an ordinary
 * encrypted message; nothing of it reaches the server readable.
 */
import { createSignal, For, Index, Show } from 'solid-js';
import { t } from '../../i18n';
import { MAX_POLL_OPTION_CHARS, MAX_POLL_OPTIONS, MAX_POLL_QUESTION_CHARS, MIN_POLL_OPTIONS, type Poll } from '../../e2ee/MessageBody';
import { Dialog } from '../Dialog';

const DURATIONS = [
  { label: 'never (until I close it)', ms: 0 },
  { label: 'in 1 hour', ms: 3_600_000 },
  { label: 'in 1 day', ms: 86_400_000 },
  { label: 'in 1 week', ms: 7 * 86_400_000 },
] as const;

export function PollComposer(props: { open: boolean; onClose: () => void; onSend: (poll: Poll) => void }) {
  const [question, setQuestion] = createSignal('');
  const [options, setOptions] = createSignal<string[]>(['', '']);
  const [multi, setMulti] = createSignal(false);
  const [anonymous, setAnonymous] = createSignal(false);
  const [duration, setDuration] = createSignal(0);
  const [problem, setProblem] = createSignal('');
  const reset = () => (setQuestion(''), setOptions(['', '']), setMulti(false), setAnonymous(false), setDuration(0), setProblem(''));
  const submit = (e: Event) => {
    e.preventDefault();
    const opts = options().map((o) => o.trim()).filter((o) => o !== '');
    if (question().trim() === '' || opts.length < MIN_POLL_OPTIONS || new Set(opts).size !== opts.length) return setProblem(t('A poll needs a question and 2 to 10 different options.'));
    const poll: Poll = { question: question().trim(), options: opts };
    if (multi()) poll.multi = true;
    if (anonymous()) poll.anonymous = true;
    if (duration() > 0) poll.closesAt = Date.now() + duration();
    props.onSend(poll);
    reset();
  };
  return (
    <Dialog open={props.open} title={t('Create a poll')} onClose={() => (reset(), props.onClose())}>
      <form class="poll-composer" onSubmit={submit}>
        <label>
          {t('Question')}
          <input type="text" maxLength={MAX_POLL_QUESTION_CHARS} value={question()} onInput={(e) => setQuestion(e.currentTarget.value)} required />
        </label>
        <Index each={options()}>
          {(option, i) => (
            <div class="poll-composer-option">
              <label>
                {t('Option {n}', { n: i + 1 })}
                <input type="text" maxLength={MAX_POLL_OPTION_CHARS} value={option()} onInput={(e) => setOptions((o) => o.map((x, j) => (j === i ? e.currentTarget.value : x)))} />
              </label>
              <Show when={options().length > MIN_POLL_OPTIONS}>
                <button type="button" class="icon-button" aria-label={t('Remove option {n}', { n: i + 1 })} onClick={() => setOptions((o) => o.filter((_, j) => j !== i))}>
                  ×
                </button>
              </Show>
            </div>
          )}
        </Index>
        <Show when={options().length < MAX_POLL_OPTIONS}>
          <button type="button" class="link-button" onClick={() => setOptions((o) => [...o, ''])}>
            {t('Add an option')}
          </button>
        </Show>
        <label class="checkbox">
          <input type="checkbox" checked={multi()} onChange={(e) => setMulti(e.currentTarget.checked)} /> {t('Allow several answers')}
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={anonymous()} onChange={(e) => setAnonymous(e.currentTarget.checked)} /> {t('Anonymous: do not show who voted for what')}
        </label>
        <label>
          {t('Closes')}
          <select value={duration()} onChange={(e) => setDuration(Number(e.currentTarget.value))}>
            <For each={DURATIONS}>{(d) => <option value={d.ms}>{t(d.label)}</option>}</For>
          </select>
        </label>
        <Show when={problem()}>
          <p class="error" role="alert">
            {problem()}
          </p>
        </Show>
        <button type="submit">{t('Send poll')}</button>
      </form>
    </Dialog>
  );
}
