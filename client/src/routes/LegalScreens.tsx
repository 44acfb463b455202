/**
 * The instance's terms of service and privacy policy (issue #16 item 7): readable by anyone at
 * `#/legal/terms` and `#/legal/privacy` (registration links there), and asked again of a
 * signed-in account when the operator published a version it has not accepted.
 *
 * The texts are Markdown written by the operator. They are drawn as text nodes by a small
 * renderer for what legal pages use (headings, paragraphs, lists, bold), never as HTML.
 */
import { errorText } from '../api/errorText';
import { t } from '../i18n';
import { createResource, createSignal, For, Show, type JSX } from 'solid-js';
import { acceptTerms, getLegal } from '../api/auth';
import { signOut, updateUser } from '../stores/session';

type Block = { kind: 'h1' | 'h2' | 'h3' | 'p'; text: string } | { kind: 'ul' | 'ol'; items: string[] };

/** Splits Markdown into the blocks legal pages use; anything else reads as a paragraph. */
export function legalBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ kind: 'p', text: para.join(' ') });
    para = [];
  };
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    const numbered = /^\d+[.)]\s+(.*)$/.exec(line);
    if (!line) flush();
    else if (heading) {
      flush();
      blocks.push({ kind: (['h1', 'h2', 'h3'] as const)[heading[1]!.length - 1]!, text: heading[2]! });
    } else if (bullet || numbered) {
      flush();
      const kind = bullet ? 'ul' : 'ol';
      const last = blocks[blocks.length - 1];
      const item = (bullet ?? numbered)![1]!;
      if (last && last.kind === kind) last.items.push(item);
      else blocks.push({ kind, items: [item] });
    } else {
      const last = blocks[blocks.length - 1];
      // A wrapped line continues the list item above it.
      if (!para.length && last && (last.kind === 'ul' || last.kind === 'ol') && /^\s/.test(raw)) last.items[last.items.length - 1] += ` ${line}`;
      else para.push(line);
    }
  }
  flush();
  return blocks;
}

/** `**bold**` spans as <strong>, the rest as text. */
function inline(text: string): JSX.Element {
  return <For each={text.split(/(\*\*[^*]+\*\*)/)}>{(part) => (/^\*\*[^*]+\*\*$/.test(part) ? <strong>{part.slice(2, -2)}</strong> : part)}</For>;
}

export function LegalText(props: { markdown: string }) {
  return (
    <For each={legalBlocks(props.markdown)}>
      {(b) =>
        b.kind === 'ul' ? (
          <ul>
            <For each={b.items}>{(i) => <li>{inline(i)}</li>}</For>
          </ul>
        ) : b.kind === 'ol' ? (
          <ol>
            <For each={b.items}>{(i) => <li>{inline(i)}</li>}</For>
          </ol>
        ) : b.kind === 'h1' ? (
          <h1>{inline(b.text)}</h1>
        ) : b.kind === 'h2' ? (
          <h2>{inline(b.text)}</h2>
        ) : b.kind === 'h3' ? (
          <h3>{inline(b.text)}</h3>
        ) : (
          <p>{inline((b as { text: string }).text)}</p>
        )
      }
    </For>
  );
}

/** `#/legal/terms` or `#/legal/privacy`, signed in or not. */
export function LegalScreen(props: { doc: 'terms' | 'privacy' }) {
  const [legal] = createResource(() => getLegal().catch(() => null));
  return (
    <main class="legal-page">
      <article class="legal">
        <Show when={legal()} fallback={<p role="status">{legal.loading ? t('Loading…') : t('These pages could not be loaded.')}</p>}>
          {(l) => <LegalText markdown={props.doc === 'terms' ? l().terms : l().privacy} />}
        </Show>
        <p class="legal-nav">
          <a href={props.doc === 'terms' ? '#/legal/privacy' : '#/legal/terms'}>{props.doc === 'terms' ? t('Privacy policy') : t('Terms of service')}</a>
          {' · '}
          <a href="#/">{t('Back to Chatalot')}</a>
        </p>
      </article>
    </main>
  );
}

/** The links a registration and the terms prompt show. */
export function LegalLinks() {
  return (
    <>
      <a href="#/legal/terms" target="_blank" rel="noopener">
        {t('terms of service')}
      </a>
      {' '}
      {t('and the')}{' '}
      <a href="#/legal/privacy" target="_blank" rel="noopener">
        {t('privacy policy')}
      </a>
    </>
  );
}

/** A signed-in account that has not accepted the version in effect: it accepts, or signs out. */
export function TermsPrompt(props: { version: number }) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      updateUser(await acceptTerms(props.version));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="auth">
      <div class="auth-card">
        <h1>{t('The terms have changed')}</h1>
        <p>
          {t('This instance published new terms of service or a new privacy policy. Read them before you go on:')} <LegalLinks />
        </p>
        <p class="error" role="alert">
          {error()}
        </p>
        <button type="button" class="primary" disabled={busy()} onClick={() => void accept()}>
          {t('I accept')}
        </button>
        <button type="button" class="link-button" onClick={() => void signOut()}>
          {t('Sign out')}
        </button>
      </div>
    </main>
  );
}
