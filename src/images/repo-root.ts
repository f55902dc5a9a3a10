import { existsSync } from 'node:fs';
import path from 'node:path';
import { isInside } from './paths.ts';

/**
 * The repository that local images must stay inside: the Actions workspace when the config lives
 * in it, else the nearest ancestor holding `.git` (a directory, or a file in worktrees and
 * submodules), else the start directory itself.
 */
export function findRepoRoot(startDir: string, env: Record<string, string | undefined>): string {
  const start = path.resolve(startDir);
  const workspace = env.GITHUB_WORKSPACE;
  if (workspace !== undefined && workspace !== '' && isInside(path.resolve(workspace), start)) {
    return path.resolve(workspace);
  }
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}
