/**
 * Issue #13: the strict reading of a message's file references, and the thumbnail that stands in
 * for an image while it arrives (a malformed thumbnail is dropped, never the file).
 */
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, MAX_THUMB_CHARS, type FileRef } from './MessageBody';
import { thumbType } from '../files/transfer';

const ref: FileRef = { id: 'A'.repeat(22), key: 'k'.repeat(43), name: 'photo.png', type: 'image/png', size: 5_000_000, width: 640, height: 480 };
const read = (file: unknown) => decodeBody(encodeBody({ v: 1, text: '', files: [file as FileRef] }))?.files?.[0];

describe('file references', () => {
  it('keeps a thumbnail of base64url within MAX_THUMB_CHARS', () => {
    expect(read({ ...ref, thumb: 'UklGRg_-' })).toEqual({ ...ref, thumb: 'UklGRg_-' });
    expect(read({ ...ref, thumb: 'x'.repeat(MAX_THUMB_CHARS) })?.thumb).toHaveLength(MAX_THUMB_CHARS);
  });

  it('drops a thumbnail too long, not base64url (a data: address, markup) or not a string, and keeps the file', () => {
    for (const thumb of ['x'.repeat(MAX_THUMB_CHARS + 1), 'data:image/svg+xml;base64,PHN2Zz4=', '<svg onload=alert(1)>', 'a b', '', 42, { src: 'x' }]) {
      expect(read({ ...ref, thumb })).toEqual(ref);
    }
  });

  it('shows thumbnail bytes only when they are a WebP or a JPEG', () => {
    const webp = new Uint8Array([...new TextEncoder().encode('RIFF'), 1, 2, 3, 4, ...new TextEncoder().encode('WEBPVP8 ')]);
    expect(thumbType(webp)).toBe('image/webp');
    expect(thumbType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0]))).toBe('image/jpeg');
    expect(thumbType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull();
    expect(thumbType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0]))).toBeNull();
    expect(thumbType(new Uint8Array())).toBeNull();
  });
});
