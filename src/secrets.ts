// Keeps API keys out of everything vision-gate writes: messages, reports, logs.

const MIN_SECRET_LENGTH = 4;

/**
 * The forms a secret takes when something echoes it back: as sent, URL-encoded (a query string),
 * and JSON-escaped (a provider that quotes the request in its error body).
 */
function formsOf(secret: string): Set<string> {
  return new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/')]);
}

/** Replaces every occurrence of each secret (and of its encoded forms) with ***. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is hidden whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of formsOf(secret)) out = out.split(form).join('***');
  }
  return out;
}

/** A URL with credentials, query values and fragment hidden, for display. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.hash = '';
    for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '***');
    return url.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '(invalid URL)';
  }
}

// Header and query parameter names that carry credentials by convention (Authorization, api-key,
// X-Gateway-Token, ?key=, ?sig=); a name like X-Title or api-version is not a secret.
const CREDENTIAL_NAME = /auth|key|token|secret|passw|cookie|sig|session|credential/i;

export interface Credentials {
  apiKey: string;
  baseUrl: string;
  headers: Readonly<Record<string, string>>;
}

/**
 * Every value of a model's settings that must never be shown: the API key, user info and
 * credential-like query values in the base URL (`?key=…`), and the values of credential-like
 * headers (with and without a scheme word such as "Bearer"). The client redacts them from messages; hosts should also mask
 * them in their logs.
 */
export function secretsOf(credentials: Credentials): string[] {
  const found = new Set<string>([credentials.apiKey]);
  try {
    const url = new URL(credentials.baseUrl);
    for (const part of [url.username, url.password]) if (part) found.add(decodeURIComponent(part));
    for (const [name, value] of url.searchParams) if (CREDENTIAL_NAME.test(name)) found.add(value);
  } catch {
    // an invalid URL cannot be requested either; nothing to hide
  }
  for (const [name, value] of Object.entries(credentials.headers)) {
    if (!CREDENTIAL_NAME.test(name)) continue;
    found.add(value);
    const token = /^[A-Za-z]+\s+(\S+)$/.exec(value.trim())?.[1];
    if (token) found.add(token);
  }
  return [...found].filter((secret) => secret.trim().length >= MIN_SECRET_LENGTH);
}
