/**
 * Reporting a message (issue #16 item 1): the reporter picks a reason and may add a comment; the
 * dialog says plainly that reporting discloses this message's text to the reviewers (the
 * community's moderators, or the instance's admins for a DM), then sends the exact plaintext this
 * device decrypted with the franking tags, so the reviewers can check it was really sent.
 */
import { createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { Dialog } from '../Dialog';
import { errorText } from '../useSubmit';
import { reportMessage, type ReportReason } from '../../api/moderation';
import { REPORT_REASONS } from '../../../../protocol/reports';
import type { ChannelSession } from '../../stores/ChannelSession';

export const REASON_LABELS: Record<ReportReason, string> = {
  spam: msg('Spam'),
  harassment: msg('Harassment or bullying'),
  hate: msg('Hate speech'),
  sexual: msg('Sexual content'),
  violence: msg('Violence or threats'),
  self_harm: msg('Self-harm'),
  illegal: msg('Something illegal'),
  other: msg('Something else'),
};

/** A report's reason and optional comment, as every report form asks them. */
export function ReasonFields(props: { reason: ReportReason; onReason: (r: ReportReason) => void; comment: string; onComment: (c: string) => void }) {
  return (
    <>
      <label>
        {t('Reason')}
        <select value={props.reason} onChange={(e) => props.onReason(e.currentTarget.value as ReportReason)}>
          <For each={REPORT_REASONS}>{(r) => <option value={r}>{t(REASON_LABELS[r])}</option>}</For>
        </select>
      </label>
      <label>
        {t('Comment (optional)')}
        <textarea maxLength={1000} rows={3} value={props.comment} onInput={(e) => props.onComment(e.currentTarget.value)} />
      </label>
    </>
  );
}

export function ReportDialog(props: { open: boolean; onClose: () => void; session: ChannelSession | null; channelId: string; seq: number | null; senderName: string; community: boolean }) {
  const [reason, setReason] = createSignal<ReportReason>('harassment');
  const [comment, setComment] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [sent, setSent] = createSignal(false);
  const close = () => (setSent(false), setError(null), setComment(''), props.onClose());
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    const d = props.seq === null ? null : props.session?.disclosure(props.seq);
    if (!d) return setError(t('This message can no longer be reported from this device.'));
    try {
      await reportMessage(props.channelId, d.seq, d.messageSeq, reason(), comment().trim(), { plaintext: d.plaintext, sender: d.sender, ts: d.ts, ...(d.franking ? { franking: d.franking } : {}), ...(d.frankTag ? { frankTag: d.frankTag } : {}) });
      setSent(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog open={props.open} title={t('Report message from {name}', { name: props.senderName })} onClose={close}>
      <Show
        when={!sent()}
        fallback={
          <>
            <p role="status" data-testid="report-sent">
              {t('Reported. Thank you: the reviewers will look at it.')}
            </p>
            <button type="button" class="primary" onClick={close}>
              {t('Close')}
            </button>
          </>
        }
      >
        <form class="report-form" onSubmit={(e) => void submit(e)}>
          <p class="muted">
            {props.community
              ? t("Reporting shows this message's text to this community's moderators, who can check that it was really sent as shown. Nobody else sees it.")
              : t("Reporting shows this message's text to this instance's admins, who can check that it was really sent as shown. Nobody else sees it.")}
          </p>
          <ReasonFields reason={reason()} onReason={setReason} comment={comment()} onComment={setComment} />
          <p class="error" role="alert">
            {error()}
          </p>
          <button type="submit" class="danger">
            {t('Send report')}
          </button>
        </form>
      </Show>
    </Dialog>
  );
}
