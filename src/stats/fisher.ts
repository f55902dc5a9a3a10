// Fisher's exact test, one-sided, for "the current pass rate is lower than the baseline's".
// Written here because it is a few lines: the hypergeometric lower tail, in log space.

export interface PassCount {
  passes: number;
  trials: number;
}

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let k = logFactorials.length; k <= n; k += 1) logFactorials.push(logFactorials[k - 1]! + Math.log(k));
  return logFactorials[n]!;
}

const logChoose = (n: number, k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

function check(count: PassCount, side: string): void {
  const { passes, trials } = count;
  if (!Number.isInteger(passes) || !Number.isInteger(trials) || passes < 0 || passes > trials) {
    throw new Error(`fisherOneSidedWorse: ${side} must have 0 ≤ passes ≤ trials (integers), got ${passes}/${trials}`);
  }
}

/**
 * The one-sided p-value that `current`'s pass rate is lower than `baseline`'s: with the margins of
 * the 2×2 table fixed, the probability of `current.passes` or fewer. Equals R's
 * `fisher.test(matrix(c(b, B - b, c, C - c), 2), alternative = "greater")$p.value`.
 * 1 when either side has no trials (no evidence either way). Rounded to 12 significant digits so
 * that exact values stay exact (3/3 → 0/3 is 1/20 = 0.05, not 0.04999999999999996) and a
 * comparison with a significance level does not hinge on float noise.
 */
export function fisherOneSidedWorse(baseline: PassCount, current: PassCount): number {
  check(baseline, 'baseline');
  check(current, 'current');
  if (baseline.trials === 0 || current.trials === 0) return 1;
  const total = baseline.trials + current.trials;
  const passes = baseline.passes + current.passes;
  // current.passes ~ Hypergeometric(total, passes, current.trials)
  const lowest = Math.max(0, passes - baseline.trials);
  const denominator = logChoose(total, current.trials);
  let p = 0;
  for (let k = lowest; k <= current.passes; k += 1) {
    p += Math.exp(logChoose(passes, k) + logChoose(total - passes, current.trials - k) - denominator);
  }
  return Math.min(1, Number(p.toPrecision(12)));
}
