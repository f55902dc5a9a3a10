// The image path, per model: any answer claiming no image was given, or prompt tokens showing the
// image was dropped, is a finding whatever HTTP said (fail closed). Absolute: needs no baseline.
import type { Gates } from '../config/schema.ts';
import type { Finding, ModelSummary } from '../report/schema.ts';
import { finding } from './format.ts';

export function judgeImagePath(summary: ModelSummary, setting: Gates['image_path']): Finding | null {
  if (setting === 'off') return null;
  const claims = summary.no_image_claims;
  const dropped = summary.image_path === 'dropped';
  if (claims === 0 && !dropped) return null;
  const answered = summary.http_success;
  const signals: string[] = [];
  if (claims > 0) signals.push(`${claims} of ${answered} answers say no image was given`);
  if (dropped) {
    const tokens = summary.tokens.image;
    signals.push(`the prompt tokens show the image was dropped (${tokens === null ? 'no' : Math.round(tokens)} image tokens)`);
  }
  return finding({
    severity: setting,
    kind: 'image_path',
    model: summary.id,
    case: null,
    message: `${summary.id} image path: ${signals.join('; ')}`,
    numbers: { no_image_claims: claims, http_success: answered, image_tokens: summary.tokens.image },
  });
}
