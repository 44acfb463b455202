/**
 * Crops and scales a picked picture for its slot before upload (issue #13 item 5: "sizes limited
 * and cropped client-side"): avatars and icons to a centred square, banners to a centred 3:1
 * strip, emoji to fit 128×128. Drawing through a canvas also drops whatever the file carried
 * besides pixels (EXIF location, comments). An emoji already small enough in a format the server
 * takes is sent as it is, so an animated GIF or WebP stays animated.
 */
import { IMAGE_LIMITS, IMAGE_TARGETS, type ImageSlot } from '../../../protocol/images';
import { t } from '../i18n';

export class ImagePrepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePrepError';
  }
}

const PASS_THROUGH = new Set(['image/png', 'image/gif', 'image/webp']);

function encode(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new ImagePrepError(t('This picture could not be encoded.')));
      // A browser without WebP encoding answers PNG instead; the server takes either.
      resolve(blob);
    }, 'image/webp', 0.9),
  );
}

/** The picture, ready to upload as `slot`; an ImagePrepError says why not (not a picture, too large). */
export async function prepareImage(file: Blob, slot: ImageSlot): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new ImagePrepError(t('This file is not a picture this browser can read.'));
  }
  const target = IMAGE_TARGETS[slot];
  try {
    if (slot === 'emoji' && PASS_THROUGH.has(file.type) && bitmap.width <= target.width && bitmap.height <= target.height && file.size <= IMAGE_LIMITS.emoji.maxBytes) return file;
    let { width: sw, height: sh } = bitmap;
    let sx = 0;
    let sy = 0;
    let dw = target.width;
    let dh = target.height;
    if (target.crop) {
      // The largest centred region with the target's proportions.
      const ratio = target.width / target.height;
      if (sw / sh > ratio) (sx = (sw - sh * ratio) / 2), (sw = sh * ratio);
      else (sy = (sh - sw / ratio) / 2), (sh = sw / ratio);
      // Never scale a small picture up past its own pixels.
      const scale = Math.min(1, sw / target.width);
      dw = Math.max(1, Math.round(target.width * scale));
      dh = Math.max(1, Math.round(target.height * scale));
    } else {
      const scale = Math.min(1, target.width / sw, target.height / sh);
      dw = Math.max(1, Math.round(sw * scale));
      dh = Math.max(1, Math.round(sh * scale));
    }
    const canvas = document.createElement('canvas');
    canvas.width = dw;
    canvas.height = dh;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new ImagePrepError(t('This browser cannot draw the picture.'));
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, dw, dh);
    const blob = await encode(canvas);
    if (blob.size > IMAGE_LIMITS[slot].maxBytes) throw new ImagePrepError(t('This picture is too large even after scaling it down.'));
    return blob;
  } finally {
    bitmap.close();
  }
}
