import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './paths.ts';
import { ImageProblem, tooLarge } from './problem.ts';

export interface LocalImageOptions {
  root: string;
  baseDir: string;
  maxBytes: number;
  /** How messages name the config file ("relative to vision-gate.yml's folder"). */
  configName: string;
}

// O_NONBLOCK: opening a FIFO must never wait for a writer. O_NOFOLLOW: the path was just resolved
// by realpath, so a symlink there now was swapped in since. Neither flag exists on Windows.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Reads a repository image: resolved against the config's folder, inside the repository after
 * following symlinks, a regular file, and no larger than the cap (checked before reading, and
 * never more than the checked size is read).
 */
export async function readLocalImage(image: string, options: LocalImageOptions): Promise<Buffer> {
  const resolved = path.resolve(options.baseDir, image);
  const root = path.resolve(options.root);
  const realRoot = await realpath(root).catch(() => root);
  if (!isInside(root, resolved) && !isInside(realRoot, resolved)) {
    throw new ImageProblem(
      `resolves to ${resolved}, outside the repository (${root}); images must live inside the ` +
        `repository — move it there and give a path relative to ${options.configName}'s folder`,
    );
  }
  const real = await realpath(resolved).catch((error: unknown) => {
    throw fileProblem(error, resolved, options.configName);
  });
  if (!isInside(realRoot, real)) {
    throw new ImageProblem(
      `is a symlink to ${real}, outside the repository (${realRoot}); copy the image into the repository instead`,
    );
  }
  // Type and size from stat before opening: opening a device can have side effects.
  const checked = await stat(real).catch((error: unknown) => {
    throw fileProblem(error, real, options.configName);
  });
  assertReadable(checked, real, options.maxBytes);

  const handle = await open(real, OPEN_FLAGS).catch((error: unknown) => {
    throw fileProblem(error, real, options.configName);
  });
  try {
    const opened = await handle.stat();
    if (opened.ino !== checked.ino || opened.dev !== checked.dev) {
      throw new ImageProblem(`was replaced while being read (${real}); run again`);
    }
    assertReadable(opened, real, options.maxBytes);
    // If it shrank since stat, the format check judges what is there.
    return await readUpTo(handle, opened.size);
  } finally {
    await handle.close();
  }
}

function assertReadable(stats: Stats, file: string, maxBytes: number): void {
  if (!stats.isFile()) {
    throw new ImageProblem(`is ${describeKind(stats)} (${file}), not a regular file; point it at an image file`);
  }
  if (stats.size > maxBytes) throw tooLarge(stats.size, maxBytes);
}

/**
 * At most `size` bytes of an open file: never more than its stat said, so a file that grows
 * while it is read (or a /proc file that claims 0 bytes) cannot make a read unbounded. Shared by
 * every reader of a file a pull request controls (images, the config, the baseline).
 */
export async function readUpTo(handle: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < bytes.length) {
    const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return bytes.subarray(0, filled);
}

/** "a named pipe (FIFO)", "a device file": what a path is when it is not a regular file. */
export function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device file';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function fileProblem(error: unknown, file: string, configName: string): ImageProblem {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ImageProblem(
        `not found (resolved to ${file}); check the path, which is relative to ${configName}'s folder`,
      );
    case 'EACCES':
    case 'EPERM':
      return new ImageProblem(`cannot be read (permission denied: ${file}); check the file's permissions`);
    case 'ELOOP':
      return new ImageProblem(`is a symlink loop (${file}); point it at the image file itself`);
    case 'EISDIR':
      return new ImageProblem(`is a directory (${file}), not a regular file; point it at an image file`);
    default:
      return new ImageProblem(`cannot be read (${code ?? String(error)}: ${file})`);
  }
}
