import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { ImageProblem } from './problem.ts';
import { gifFrameCount, jpegIsComplete, pngIsComplete, webpIsAnimated, webpIsComplete } from './structure.ts';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export interface ImageInfo {
  format: ImageFormat;
  mime: string;
  width: number;
  height: number;
}

/** Larger than any camera photo a vision API would take whole; beyond it, likely a decompression bomb. */
export const MAX_PIXELS = 50_000_000;

const ACCEPTS = 'vision models accept PNG, JPEG, WebP and non-animated GIF';

// file-type's extension → what we send. Anything else is refused by name.
const ACCEPTED: Record<string, { format: ImageFormat; mime: string; label: string }> = {
  png: { format: 'png', mime: 'image/png', label: 'PNG' },
  jpg: { format: 'jpeg', mime: 'image/jpeg', label: 'JPEG' },
  webp: { format: 'webp', mime: 'image/webp', label: 'WebP' },
  gif: { format: 'gif', mime: 'image/gif', label: 'GIF' },
};

const IS_COMPLETE: Record<ImageFormat, (bytes: Uint8Array) => boolean> = {
  png: pngIsComplete,
  jpeg: jpegIsComplete,
  webp: webpIsComplete,
  gif: (bytes) => (gifFrameCount(bytes) ?? 0) > 0,
};

/**
 * Identifies an image from its bytes (never its name) and checks that a vision API can take it:
 * an accepted format, complete, still, with readable and sane dimensions.
 */
export async function identifyImage(bytes: Uint8Array): Promise<ImageInfo> {
  const detected = await fileTypeFromBuffer(bytes);
  // An SVG with an XML declaration sniffs as XML; either way, text gets a more useful message.
  if (detected === undefined || detected.ext === 'xml') throw new ImageProblem(describeUnrecognised(bytes));
  if (detected.ext === 'apng') throw animated('PNG (APNG)');
  const accepted = ACCEPTED[detected.ext];
  if (accepted === undefined) {
    throw new ImageProblem(
      `is ${detected.ext.toUpperCase()} (${detected.mime}), not a format vision models take; ${ACCEPTS} — convert it`,
    );
  }
  const { format, mime, label } = accepted;
  if (format === 'gif' && (gifFrameCount(bytes) ?? 0) > 1) throw animated('GIF');
  if (format === 'webp' && webpIsAnimated(bytes)) throw animated('WebP');

  const size = readSize(bytes);
  if (size === null || !IS_COMPLETE[format](bytes)) {
    throw new ImageProblem(`is a truncated or corrupt ${label} file; re-export or re-download it`);
  }
  const { width, height } = size;
  if (width * height > MAX_PIXELS) {
    throw new ImageProblem(
      `is ${width}×${height} pixels (${Math.round((width * height) / 1e6)} megapixels), over the ` +
        `${MAX_PIXELS / 1e6} megapixel limit; downscale it (vision APIs resize large images anyway)`,
    );
  }
  return { format, mime, width, height };
}

function readSize(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    const { width, height } = imageSize(bytes);
    return isDimension(width) && isDimension(height) ? { width, height } : null;
  } catch {
    return null; // image-size throws on headers it cannot read, e.g. a file cut off early
  }
}

const isDimension = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

const animated = (label: string): ImageProblem =>
  new ImageProblem(`is an animated ${label}; ${ACCEPTS} — export a single still frame`);

/** Names the usual non-image culprits, so the fix is obvious from the message. */
function describeUnrecognised(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'is an empty file (0 bytes)';
  // A character cut at the 1 KiB boundary decodes to one U+FFFD at the end; that is still text.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024))
    .toString('utf8')
    .replace(/\ufffd$/, '');
  if (head.startsWith('version https://git-lfs.github.com/spec/')) {
    return 'is a Git LFS pointer, not the image; fetch LFS files (actions/checkout with `lfs: true`, or `git lfs pull`)';
  }
  if (/<svg[\s>]/i.test(head)) return `is an SVG (vector) image; ${ACCEPTS} — rasterise it to PNG`;
  const looksLikeText = !head.includes('\u0000') && !head.includes('\ufffd');
  return `is not an image (${looksLikeText ? 'it contains text' : 'no known image signature'}); ${ACCEPTS}`;
}
