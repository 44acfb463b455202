/**
 * Profile and community images (issue #13 item 5) and custom emoji (item 6): avatars, profile
 * banners, community icons and banners, emoji. Every member sees them, so they are not end-to-end
 * encrypted: they are stored as uploaded, after the server has checked what they are
 * (`sniffImage`: PNG, JPEG, GIF or WebP by their magic bytes and headers, never SVG or anything
 * a browser could run), and served with the type that check found. SECURITY.md says so.
 *
 * Each upload gets a new unguessable id; the image is served at `/api/images/{id}` to whoever
 * holds the id (an `<img>` cannot send our bearer token), which only those who can see the
 * profile or community are given. A replaced image's id stops working.
 */
import * as v from 'valibot';

export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export interface ImageFacts {
  type: ImageType;
  width: number;
  height: number;
}

/** Where an image is used: each has its own limits. */
export const IMAGE_SLOTS = ['avatar', 'banner', 'icon', 'emoji'] as const;
export type ImageSlot = (typeof IMAGE_SLOTS)[number];

const KIB = 1024;
/** The largest file and dimensions the server accepts per slot (the client crops and scales first). */
export const IMAGE_LIMITS: Record<ImageSlot, { maxBytes: number; maxWidth: number; maxHeight: number }> = {
  avatar: { maxBytes: 1024 * KIB, maxWidth: 1024, maxHeight: 1024 },
  icon: { maxBytes: 1024 * KIB, maxWidth: 1024, maxHeight: 1024 },
  banner: { maxBytes: 2048 * KIB, maxWidth: 2048, maxHeight: 1024 },
  emoji: { maxBytes: 256 * KIB, maxWidth: 256, maxHeight: 256 },
};

/** What the client crops or scales to before uploading (square slots crop to the centre). */
export const IMAGE_TARGETS: Record<ImageSlot, { width: number; height: number; crop: boolean }> = {
  avatar: { width: 256, height: 256, crop: true },
  icon: { width: 256, height: 256, crop: true },
  banner: { width: 960, height: 320, crop: true },
  emoji: { width: 128, height: 128, crop: false },
};

/** Custom emoji per community, at most. */
export const MAX_EMOJI_PER_COMMUNITY = 100;
/** A custom emoji's shortcode, without the colons. */
export const EMOJI_NAME = /^[a-z0-9_]{2,32}$/;
export const EmojiName = v.pipe(v.string(), v.regex(EMOJI_NAME, 'an emoji name is 2–32 lowercase letters, digits or underscores'));
/** An image id as the server makes them (16 random bytes, base64url). */
export const IMAGE_ID = /^[A-Za-z0-9_-]{22}$/;
/** An accent colour: `#rrggbb`, lowercase. */
export const Accent = v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/, 'an accent colour is #rrggbb in lowercase hex'));

export interface CustomEmoji {
  name: string;
  imageId: string;
  createdBy: string;
  createdAt: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const ascii = (b: Uint8Array, i: number, s: string) => [...s].every((ch, k) => b[i + k] === ch.charCodeAt(0));

function png(b: Uint8Array): ImageFacts | null {
  if (b.length < 33 || !ascii(b, 1, 'PNG') || b[0] !== 0x89 || !ascii(b, 4, '\r\n\x1a\n')) return null;
  if (u32be(b, 8) !== 13 || !ascii(b, 12, 'IHDR')) return null;
  return { type: 'image/png', width: u32be(b, 16), height: u32be(b, 20) };
}

function gif(b: Uint8Array): ImageFacts | null {
  if (b.length < 13 || !(ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))) return null;
  return { type: 'image/gif', width: u16le(b, 6), height: u16le(b, 8) };
}

/** JPEG: the dimensions are in the first start-of-frame segment (SOF0–SOF15 but DHT, JPG, DAC). */
function jpeg(b: Uint8Array): ImageFacts | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan before any frame
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { type: 'image/jpeg', width: u16be(b, i + 7), height: u16be(b, i + 5) };
    }
    i += 2 + length;
  }
  return null;
}

function webp(b: Uint8Array): ImageFacts | null {
  if (b.length < 25 || !ascii(b, 0, 'RIFF') || !ascii(b, 8, 'WEBP')) return null;
  // The RIFF size must cover exactly what was sent: nothing rides along after the image.
  if (((b[4]! | (b[5]! << 8) | (b[6]! << 16)) + b[7]! * 2 ** 24) + 8 !== b.length) return null;
  if (ascii(b, 12, 'VP8 ')) {
    if (b.length < 30 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { type: 'image/webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return null;
    const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
    return { type: 'image/webp', width: 1 + (((b1 & 0x3f) << 8) | b0), height: 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)) };
  }
  if (ascii(b, 12, 'VP8X') && b.length >= 30) return { type: 'image/webp', width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
  return null;
}

/**
 * What an uploaded image really is, from its bytes alone (never from a declared type or a file
 * name): PNG, JPEG, GIF or WebP with its dimensions, or null for anything else — HTML, SVG, a
 * truncated header, a PNG signature in front of something that is not one.
 */
export function sniffImage(bytes: Uint8Array): ImageFacts | null {
  const facts = png(bytes) ?? gif(bytes) ?? jpeg(bytes) ?? webp(bytes);
  return facts && facts.width > 0 && facts.height > 0 ? facts : null;
}

/** Why an image does not fit a slot, or null when it does. */
export function imageProblem(slot: ImageSlot, size: number, facts: ImageFacts | null): string | null {
  const limit = IMAGE_LIMITS[slot];
  if (!facts) return 'only PNG, JPEG, GIF and WebP images are accepted (checked by their content, not their name)';
  if (size > limit.maxBytes) return `a ${slot} may be at most ${limit.maxBytes / 1024} KiB`;
  if (facts.width > limit.maxWidth || facts.height > limit.maxHeight) return `a ${slot} may be at most ${limit.maxWidth}×${limit.maxHeight} pixels; this one is ${facts.width}×${facts.height}`;
  return null;
}
