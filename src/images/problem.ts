// What is wrong with one image, phrased to follow "case <id>: image <source> …". The reader adds
// that prefix and turns it into a UserError, so a shared (cached) failure names each case that
// uses the image rather than only the first one to ask for it.
export class ImageProblem extends Error {
  override readonly name = 'ImageProblem';
}

/** 20000000 → "20 MB", 1500 → "1.5 KB": decimal units, as max_image_mb counts (1 MB = 10⁶ bytes). */
export function formatSize(bytes: number): string {
  const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, 'MB'] : bytes >= 1e3 ? [bytes / 1e3, 'KB'] : [bytes, 'bytes'];
  return `${Number(value.toFixed(1))} ${unit}`;
}

export const tooLarge = (size: number | null, maxBytes: number): ImageProblem =>
  new ImageProblem(
    `is ${size === null ? 'larger than' : formatSize(size) + ', over'} the ${formatSize(maxBytes)} limit; ` +
      'shrink or recompress the image, or raise max_image_mb in the config',
  );
