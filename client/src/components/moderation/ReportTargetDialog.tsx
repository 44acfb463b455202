/**
 * Reporting a person or a whole community to the instance's admins (issue #16 item 1), and a
 * moderator's warning to a member (item 2). A report of a person or community discloses no
 * message: the reviewers see the reason and the comment. A warning names its reason to the member.
 */
import { createSignal, Show } from 'solid-js';
import { t } from '../../i18n';
import { Dialog } from '../Dialog';
import { errorText } from '../useSubmit';
import { reportCommunity, reportUser, warnMember, type ReportReason } from '../../api/moderation';
import { ReasonFields } from './ReportDialog';

export type ReportTarget = { kind: 'user'; userId: string; name: string } | { kind: 'community'; communityId: string; name: string };

export function ReportTargetDialog(props: { target: ReportTarget | null; onClose: () => void }) {
  const [reason, setReason] = createSignal<ReportReason>('spam');
  const [comment, setComment] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [sent, setSent] = createSignal(false);
  const close = () => (setSent(false), setError(null), setComment(''), props.onClose());
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const target = props.target;
    if (!target) return;
    setError(null);
    try {
      if (target.kind === 'user') await reportUser(target.userId, reason(), comment().trim());
      else await reportCommunity(target.communityId, reason(), comment().trim());
      setSent(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog open={props.target !== null} title={t('Report {name}', { name: props.target?.name ?? '' })} onClose={close}>
      <Show
        when={!sent()}
        fallback={
          <>
            <p role="status">{t('Thank you. The instance’s admins will review it.')}</p>
            <button type="button" onClick={close}>
              {t('Close')}
            </button>
          </>
        }
      >
        <form onSubmit={submit}>
          <p class="muted">{t('This goes to the instance’s admins. No message is disclosed: to show them a message, report that message.')}</p>
          <ReasonFields reason={reason()} onReason={setReason} comment={comment()} onComment={setComment} />
          <p class="error" role="alert">
            {error()}
          </p>
          <button type="submit" class="primary">
            {t('Send report')}
          </button>
        </form>
      </Show>
    </Dialog>
  );
}

export function WarnDialog(props: { communityId: string; member: { userId: string; name: string } | null; onClose: () => void }) {
  const [reason, setReason] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [sent, setSent] = createSignal(false);
  const close = () => (setSent(false), setError(null), setReason(''), props.onClose());
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!props.member) return;
    setError(null);
    try {
      await warnMember(props.communityId, props.member.userId, reason().trim());
      setSent(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog open={props.member !== null} title={t('Warn {name}', { name: props.member?.name ?? '' })} onClose={close}>
      <Show
        when={!sent()}
        fallback={
          <>
            <p role="status">{t('{name} was warned.', { name: props.member?.name ?? '' })}</p>
            <button type="button" onClick={close}>
              {t('Close')}
            </button>
          </>
        }
      >
        <form onSubmit={submit}>
          <label>
            {t('Reason (they will see it)')}
            <input type="text" required maxLength={500} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <p class="error" role="alert">
            {error()}
          </p>
          <button type="submit" class="primary">
            {t('Send warning')}
          </button>
        </form>
      </Show>
    </Dialog>
  );
}
