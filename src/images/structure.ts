// Small structural walks over the accepted formats. file-type and image-size only read headers;
// these catch what they cannot: truncated files (a cut-off download or a bad copy) whose header
// still reads fine, and animation, which vision APIs refuse or reduce to an arbitrary frame.

/** PNG: every chunk fits in the file and the IEND chunk is reached. */
export function pngIsComplete(bytes: Uint8Array): boolean {
  const view = dataView(bytes);
  let offset = 8; // signature
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = latin1(bytes, offset + 4, offset + 8);
    offset += 12 + length; // length, type, data, CRC
    if (offset > bytes.length) return false;
    if (type === 'IEND') return true;
  }
  return false;
}

/**
 * JPEG: the marker segments up to the first scan fit in the file, and an end-of-image marker
 * follows it. Searching only after the scan header skips EXIF thumbnails, which carry their own
 * EOI; trailing data after EOI (e.g. motion photos) is allowed.
 */
export function jpegIsComplete(bytes: Uint8Array): boolean {
  let offset = 2; // SOI
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return false;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return false; // EOI before any scan: no image data
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const end = offset + 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
    if (end > bytes.length) return false;
    if (marker === 0xda) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(EOI, end) !== -1;
    offset = end;
  }
  return false;
}
const EOI = Buffer.from([0xff, 0xd9]);

/** WebP: the RIFF container's declared size fits in the file. */
export function webpIsComplete(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && dataView(bytes).getUint32(4, true) + 8 <= bytes.length;
}

/** WebP: the extended header's animation flag (VP8X flags byte, bit 1). */
export function webpIsAnimated(bytes: Uint8Array): boolean {
  return bytes.length > 20 && latin1(bytes, 12, 16) === 'VP8X' && (bytes[20]! & 0x02) !== 0;
}

/**
 * GIF: the number of image descriptors (frames), counting no further than `stopAt`; null when
 * the block structure runs past the end of the file. A missing trailer byte after a complete
 * block is tolerated, as decoders do.
 */
export function gifFrameCount(bytes: Uint8Array, stopAt = 2): number | null {
  if (bytes.length < 13) return null;
  let offset = 13 + colorTableSize(bytes[10]!); // header, logical screen descriptor, global colours
  let frames = 0;
  while (offset < bytes.length) {
    const block = bytes[offset];
    if (block === 0x3b) return frames; // trailer
    if (block === 0x21) {
      offset = skipSubBlocks(bytes, offset + 2); // introducer, label, data sub-blocks
    } else if (block === 0x2c) {
      frames += 1;
      if (frames >= stopAt) return frames;
      if (offset + 10 > bytes.length) return null;
      // descriptor (10 bytes), local colours, LZW minimum code size, data sub-blocks
      offset = skipSubBlocks(bytes, offset + 10 + colorTableSize(bytes[offset + 9]!) + 1);
    } else {
      return null;
    }
    if (offset > bytes.length) return null;
  }
  return offset === bytes.length ? frames : null;
}

const colorTableSize = (packed: number): number => ((packed & 0x80) !== 0 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);

/** Offset after a run of GIF data sub-blocks and its zero terminator; past the end if cut off. */
function skipSubBlocks(bytes: Uint8Array, offset: number): number {
  while (offset < bytes.length) {
    const size = bytes[offset]!;
    offset += 1 + size;
    if (size === 0) return offset;
  }
  return bytes.length + 1;
}

const dataView = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(end, bytes.length) - start)).toString('latin1');
