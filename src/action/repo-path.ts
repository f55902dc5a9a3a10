// Repository-relative paths, as the contents API and check annotations want them. The root is
// the git checkout holding the file (a workflow may check out into a subdirectory of the
// workspace with `path:`), else the workspace.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function gitRoot(file: string, workspace: string): string {
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(workspace);
  }
}

/** `file` relative to its repository, with forward slashes. */
export function repoPath(file: string, workspace: string): string {
  return path.relative(gitRoot(file, workspace), path.resolve(file)).split(path.sep).join('/');
}
