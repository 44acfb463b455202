import { Show } from 'solid-js';
import { imageUrl } from '../api/images';

/**
 * A person's or community's picture: the uploaded image when there is one (`image`, an image
 * id), otherwise up to two initials on a colour
 * that follows from the id, so the same person has the same colour everywhere and on every
 * device. The colours are dark enough (28% lightness) for white text to pass WCAG AA (4.5:1) at every hue.
 */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/u).filter(Boolean);
  const first = (w: string | undefined) => (w ? [...w][0]!.toLocaleUpperCase() : '');
  return (words.length > 1 ? first(words[0]) + first(words[1]) : [...(words[0] ?? '?')].slice(0, 2).join('').toLocaleUpperCase()) || '?';
}

/** A hue from 0 to 359 from an id (FNV-1a): stable, spread evenly enough over a few dozen people. */
export function hueOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 360;
}

export function Avatar(props: { id: string; name: string; size?: 'small' | 'large'; image?: string | null }) {
  return (
    <span class={`avatar avatar-${props.size ?? 'small'}`} classList={{ 'has-image': !!props.image }} style={{ '--avatar-hue': String(hueOf(props.id)) }} aria-hidden="true">
      <Show when={props.image} fallback={initials(props.name)}>
        {(image) => <img src={imageUrl(image())} alt="" loading="lazy" decoding="async" />}
      </Show>
    </span>
  );
}
