// What the scorecard says, decided once for both the Markdown and the terminal renderer: the
// headline, the run line, the order of findings and the routing recommendation.
import type { Finding, ModelSummary, Report } from '../report/schema.ts';
import { count, duration, latency, plural, usd } from './format.ts';

/** How a line or cell reads at a glance; each renderer maps it to its own icon and colour. */
export type Tone = 'pass' | 'warn' | 'fail' | 'skip' | 'info' | 'unknown';

export interface Headline {
  tone: Tone;
  text: string;
}

export function headline(report: Report): Headline {
  const regressions = report.regressions;
  const warnings = report.findings.filter((f) => f.severity === 'warn').length;
  if (report.mode === 'update-baseline') {
    const what = report.baseline?.status === 'written' ? 'vision-gate baseline written' : 'vision-gate baseline run';
    return regressions > 0
      ? { tone: 'warn', text: `${what} — ${plural(regressions, 'regression')} against the previous baseline` }
      : { tone: 'info', text: what };
  }
  if (report.mode === 'report') {
    if (regressions > 0) return { tone: 'fail', text: `vision-gate report — ${plural(regressions, 'regression')} (report mode: not enforced)` };
    if (warnings > 0) return { tone: 'warn', text: `vision-gate report — ${plural(warnings, 'warning')}` };
    return { tone: 'pass', text: 'vision-gate report — no regressions' };
  }
  if (!report.passed) {
    return { tone: 'fail', text: regressions > 0 ? `vision-gate failed — ${plural(regressions, 'regression')}` : 'vision-gate failed' };
  }
  if (warnings > 0) return { tone: 'warn', text: `vision-gate passed with ${plural(warnings, 'warning')}` };
  return { tone: 'pass', text: 'vision-gate passed' };
}

/**
 * The short line under the headline: mode, config, baseline and the size of the run. Untrusted
 * parts (paths, commit) go through esc so each renderer escapes for its medium.
 */
export function runLine(report: Report, esc: (s: string, max: number) => string): string[] {
  const parts = [`mode ${report.mode}`, `config ${esc(report.config, 120)}`];
  const baseline = report.baseline;
  if (baseline) {
    const commit = baseline.commit ? ` @ ${esc(baseline.commit.slice(0, 7), 7)}` : '';
    parts.push(`baseline ${esc(baseline.path, 120)} (${baseline.status}${commit})`);
  } else {
    parts.push('no baseline');
  }
  const requests = report.models.reduce((sum, m) => sum + m.requests, 0);
  parts.push(`${plural(requests, 'request')} in ${duration(report.duration_ms)}`);
  return parts;
}

/** Why the data is partial, or null when the run finished. */
export function incompleteNote(report: Report): string | null {
  if (report.complete) return null;
  const notRun = report.models.reduce((sum, m) => sum + m.not_run, 0);
  const what = notRun > 0 ? `${plural(notRun, 'request')} did not run` : 'some requests did not run';
  return `Incomplete data: the run stopped early (deadline or signal) and ${what}; the numbers cover only what ran.`;
}

/** Findings worth a line, most severe first; passing findings are not news. */
export function orderedFindings(report: Report): Finding[] {
  const rank: Record<Finding['severity'], number> = { fail: 0, warn: 1, 'insufficient data': 2, pass: 3 };
  return report.findings
    .map((finding, index) => ({ finding, index }))
    .filter(({ finding }) => finding.severity !== 'pass')
    .sort((a, b) => rank[a.finding.severity] - rank[b.finding.severity] || a.index - b.index)
    .map(({ finding }) => finding);
}

export const severityTone = (severity: Finding['severity']): Tone =>
  severity === 'fail' ? 'fail' : severity === 'warn' ? 'warn' : severity === 'pass' ? 'pass' : 'info';

/**
 * A finding's message without the model id it may already start with, since both renderers
 * print the id in bold (or colour) just before it.
 */
export function findingMessage(finding: Finding): string {
  const message = finding.message.trim();
  const model = finding.model;
  if (model && message.startsWith(model)) return message.slice(model.length).replace(/^[\s:·—-]+/, '');
  return message;
}

/** The models that ran: skipped models have no numbers and are listed on their own. */
export const shownModels = (report: Report): ModelSummary[] => report.models.filter((m) => m.verdict !== 'skipped');

export interface RouteChoice {
  model: string | null;
  /** Why this model, or why none qualifies. */
  reason: string;
}

export interface Routing {
  /** Real-time traffic: recognises every image it answers, lowest median latency. */
  realtime: RouteChoice;
  /** Bulk traffic: lowest cost per successful image among routes that see the image. */
  bulk: RouteChoice;
}

const failedOn = (report: Report, model: string, kinds: readonly Finding['kind'][]): boolean =>
  report.findings.some((f) => f.model === model && f.severity === 'fail' && kinds.includes(f.kind));

function lowest(models: readonly ModelSummary[], value: (m: ModelSummary) => number): ModelSummary | null {
  let best: ModelSummary | null = null;
  for (const m of models) if (best === null || value(m) < value(best)) best = m;
  return best;
}

export function recommendRoutes(report: Report): Routing {
  const ran = shownModels(report);
  // Disqualified: routes that do not see or recognise the image, or fail at the transport. A
  // latency or cost regression alone leaves a route usable, and the findings above say so.
  const usable = ran.filter((m) => !failedOn(report, m.id, ['recognition', 'image_path', 'errors', 'coverage']));

  const recognising = usable.filter((m) => m.http_success > 0 && m.correct === m.http_success && m.latency_ms.p50 !== null);
  const fastest = lowest(recognising, (m) => m.latency_ms.p50!);
  const realtime: RouteChoice = fastest
    ? {
        model: fastest.id,
        reason:
          `recognised ${count(fastest.correct, fastest.http_success)} with the lowest p50 (${latency(fastest.latency_ms.p50)})` +
          (failedOn(report, fastest.id, ['latency']) ? '; its latency regressed (see above)' : ''),
      }
    : {
        model: null,
        reason: ran.length === 0 ? 'no model ran' : 'no model recognised every image it answered without failing the gate on it',
      };

  const seeing = usable.filter((m) => m.image_path !== 'dropped' && m.correct > 0);
  const priced = seeing.filter((m) => m.cost.per_success !== null);
  const cheapest = lowest(priced, (m) => m.cost.per_success!);
  const bulk: RouteChoice = cheapest
    ? {
        model: cheapest.id,
        reason: `lowest cost per successful image (${usd(cheapest.cost.per_success)}, ${count(cheapest.correct, cheapest.requests)} correct)`,
      }
    : {
        model: null,
        reason:
          seeing.length === 0
            ? 'no model recognised images without failing the gate on recognition, the image path or errors'
            : 'no cost per successful image is known (set price on the models in the config)',
      };
  return { realtime, bulk };
}
