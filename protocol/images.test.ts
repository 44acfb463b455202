import { describe, expect, it } from 'vitest';
import { IMAGE_LIMITS, imageProblem, sniffImage } from './images';
import { IMPOSTORS, gif, jpegHead, png, webpLossless } from '../tests/images/samples';

describe('sniffImage: what an upload really is, from its bytes', () => {
  it('reads the type and dimensions of PNG, GIF, JPEG and WebP', () => {
    expect(sniffImage(png(300, 200))).toEqual({ type: 'image/png', width: 300, height: 200 });
    expect(sniffImage(gif(64, 32))).toEqual({ type: 'image/gif', width: 64, height: 32 });
    expect(sniffImage(jpegHead(1024, 768))).toEqual({ type: 'image/jpeg', width: 1024, height: 768 });
    expect(sniffImage(webpLossless(128, 96))).toEqual({ type: 'image/webp', width: 128, height: 96 });
  });

  it('13 (adversarial): HTML, SVG, a PNG signature in front of HTML, a truncated header, zero size are not images', () => {
    for (const [what, bytes] of Object.entries(IMPOSTORS)) expect(sniffImage(bytes), what).toBeNull();
  });

  it('a WebP whose RIFF size does not cover exactly what was sent is refused (nothing rides along)', () => {
    const ok = webpLossless(16, 16);
    expect(sniffImage(new Uint8Array([...ok, ...new TextEncoder().encode('<script>')]))).toBeNull();
  });

  it('imageProblem names the limit a slot sets', () => {
    expect(imageProblem('avatar', 1000, sniffImage(png(256, 256)))).toBeNull();
    expect(imageProblem('avatar', 1000, sniffImage(png(2000, 10)))).toMatch(/at most 1024×1024 pixels; this one is 2000×10/);
    expect(imageProblem('emoji', IMAGE_LIMITS.emoji.maxBytes + 1, sniffImage(png(64, 64)))).toMatch(/at most 256 KiB/);
    expect(imageProblem('banner', 10, null)).toMatch(/only PNG, JPEG, GIF and WebP/);
  });
});
