// The config fingerprint: the validated config and the bytes of every image, so partial results
// from another commit, another config or other images are refused at merge instead of mixed.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../baseline/canonical.ts';
import type { Config } from '../config/schema.ts';
import { displayUrl } from '../secrets.ts';

/** Bumped when the plan's order or the slicing changes, so shards of two versions never merge. */
const FINGERPRINT_FORMAT = 1;

/**
 * `images` maps an image key to the sha256 of its bytes (or of its URL for media: url). Header
 * values and base URL credentials are left out: they may be expanded secrets, and partial files
 * travel as workflow artifacts that anyone with read access can download.
 */
export function configFingerprint(config: Config, images: ReadonlyMap<string, { sha256: string }>): string {
  const models = config.models.map((model) => ({
    ...model,
    base_url: displayUrl(model.base_url),
    headers: Object.keys(model.headers ?? {}).sort(),
  }));
  const imageHashes = [...images].map(([key, image]) => [key, image.sha256]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  const canonical = canonicalJson({ format: FINGERPRINT_FORMAT, config: { ...config, models }, images: imageHashes });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
