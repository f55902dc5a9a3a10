// Check annotations for the gate's findings, placed on the config line of the case or model a
// finding concerns, so the regression shows up beside the code in the PR's "Files changed" view.
// Pure: the action entry hands them to core.error / core.warning.
import type { Finding, Report } from '../report/schema.ts';

export interface Annotation {
  level: 'error' | 'warning';
  title: string;
  message: string;
  /** Repository-relative path of the config file. */
  file: string;
  startLine: number;
  startColumn: number;
}

export interface ConfigLocator {
  config: { models: readonly { id: string }[]; cases: readonly { id: string }[] };
  locate(path: readonly (string | number)[]): { line: number; column: number } | null;
}

/** GitHub shows at most 10 annotations of each level per step; more would be dropped silently. */
export const MAX_ANNOTATIONS_PER_LEVEL = 10;

/** The config key path a finding points at: its case for recognition, else its model, else its gate. */
function keyPath(finding: Finding, config: ConfigLocator['config']): (string | number)[] {
  const caseIndex = finding.case === null ? -1 : config.cases.findIndex((c) => c.id === finding.case);
  const modelIndex = finding.model === null ? -1 : config.models.findIndex((m) => m.id === finding.model);
  if (caseIndex >= 0 && (finding.kind === 'recognition' || modelIndex < 0)) return ['cases', caseIndex, 'id'];
  if (modelIndex >= 0) return ['models', modelIndex, 'id'];
  return ['gates', finding.kind === 'image_path' ? 'image_path' : finding.kind];
}

export function findingAnnotations(report: Pick<Report, 'findings'>, loaded: ConfigLocator, file: string): Annotation[] {
  const out: Annotation[] = [];
  const counts = { error: 0, warning: 0 };
  for (const finding of report.findings) {
    const level = finding.severity === 'fail' ? 'error' : finding.severity === 'warn' ? 'warning' : null;
    if (level === null || counts[level] >= MAX_ANNOTATIONS_PER_LEVEL) continue;
    counts[level] += 1;
    const at = loaded.locate(keyPath(finding, loaded.config)) ?? { line: 1, column: 1 };
    out.push({
      level,
      title: `vision-gate: ${finding.kind.replace('_', ' ')} ${level === 'error' ? 'regression' : 'warning'}`,
      message: finding.message,
      file,
      startLine: at.line,
      startColumn: at.column,
    });
  }
  return out;
}
