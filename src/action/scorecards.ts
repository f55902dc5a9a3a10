// The scorecard in the sizes the action needs: the job summary and the scorecard file (one
// document, up to the summary limit), the PR comment and tracking issue (GitHub's 65,536
// characters, with the hidden marker), and a short version for when GitHub rejects the long one.
// All carry the same footer and "baseline changed" block.
import type { GitHubContext } from '../github/context.ts';
import { displaySha } from '../github/context.ts';
import { stickyMarker } from '../github/marker.ts';
import { inertText } from '../render/escape.ts';
import { renderScorecard } from '../render/markdown.ts';
import type { Report } from '../report/schema.ts';

/** The job summary limit is 1 MiB; characters can take up to 4 bytes, so stay well below. */
export const SUMMARY_MAX_CHARS = 250_000;
/** GitHub's limit for a comment or issue body is 65,536; keep room for its own normalisation. */
export const COMMENT_MAX_CHARS = 65_000;
/** The body posted after a 422: the headline, the regressions and a link to the summary. */
export const SHORT_COMMENT_MAX_CHARS = 6_000;

export interface Scorecards {
  /** The job summary and the `scorecard` file. */
  summary: string;
  /** The PR comment and the tracking issue body. */
  comment: string;
  /** The fallback when GitHub rejects `comment`. */
  shortComment: string;
  marker: string;
}

/** "vision-gate · commit abc1234 · run 42 · vision-gate.yml", with links where there are URLs. */
export function footer(context: GitHubContext, configPath: string): string {
  const parts = ['vision-gate'];
  const sha = displaySha(context);
  if (sha) {
    const short = inertText(sha.slice(0, 7), 7);
    parts.push(context.repository ? `commit [${short}](${context.serverUrl}/${context.repository}/commit/${encodeURIComponent(sha)})` : `commit ${short}`);
  }
  if (context.runUrl) parts.push(`[workflow run](${context.runUrl})`);
  parts.push(`config ${inertText(configPath, 120)}`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

export function renderScorecards(report: Report, context: GitHubContext, baselineChange: string | null): Scorecards {
  const marker = stickyMarker(report.config);
  const common = { footer: footer(context, report.config), baselineChange, summaryUrl: context.runUrl };
  return {
    summary: renderScorecard(report, { ...common, maxChars: SUMMARY_MAX_CHARS }),
    comment: renderScorecard(report, { ...common, marker, maxChars: COMMENT_MAX_CHARS }),
    shortComment: renderScorecard(report, { ...common, marker, maxChars: SHORT_COMMENT_MAX_CHARS }),
    marker,
  };
}
