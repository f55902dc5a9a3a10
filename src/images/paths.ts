import path from 'node:path';

/** Whether `child` is `parent` or below it (both absolute). A name like `..x` is not an escape. */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith('..' + path.sep));
}
