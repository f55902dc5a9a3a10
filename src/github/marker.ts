// The marker of vision-gate's sticky comment and tracking issue; its own module so that the
// scorecard can carry it without loading the publisher (and Octokit) before the run.
import { posix } from 'node:path';

/**
 * The hidden first line that identifies vision-gate's comment and issue for one config file, so
 * two configs in one repository keep two comments. `>` is escaped so a path cannot end the comment.
 */
export function stickyMarker(configPath: string): string {
  // "./vision-gate.yml" and "vision-gate.yml" are the same file and must share a comment.
  const key = posix
    .normalize(configPath.replace(/\\/g, '/'))
    .replace(/^(\.\/)+/, '')
    .replace(/[^A-Za-z0-9._/@+-]/g, (c) => encodeURIComponent(c));
  return `<!-- vision-gate config=${key} -->`;
}
