/**
 * A link preview (issue #15 item 6): the site, title and description the sender's device fetched
 * through its instance and sent inside the message. Showing it loads nothing from the site; only
 * following the link does (in a new tab, without a referrer).
 */
import { Show } from 'solid-js';
import type { LinkPreviewRef } from '../../e2ee/MessageBody';

export function LinkPreviewCard(props: { preview: LinkPreviewRef }) {
  const host = () => {
    try {
      return new URL(props.preview.url).host;
    } catch {
      return '';
    }
  };
  return (
    <div class="link-preview" data-testid="link-preview">
      <p class="link-preview-site">{props.preview.siteName ?? host()}</p>
      <Show when={props.preview.title}>
        <a class="link-preview-title" href={props.preview.url} target="_blank" rel="noopener noreferrer nofollow">
          {props.preview.title}
        </a>
      </Show>
      <Show when={props.preview.description}>
        <p class="link-preview-description">{props.preview.description}</p>
      </Show>
    </div>
  );
}
