// Canonical JSON: object keys sorted at every depth, so the same data always gives the same bytes
// (fingerprints, and a baseline whose refresh diffs only where numbers changed).
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

export const canonicalJson = (value: unknown, indent?: number): string => JSON.stringify(sortKeys(value), null, indent);
