// What a notification must never carry: secret access keys, session tokens, passwords and webhook
// URLs (a Slack or Teams webhook URL is itself the credential that lets anyone post). The engine
// already replaces values under secret-looking keys (redactSecrets); this also scrubs free text,
// where a secret can hide inside a string: user data exporting AWS_SECRET_ACCESS_KEY=..., a
// presigned URL's X-Amz-Security-Token, an error message that quotes the URL it failed to reach.

import { redactSecrets } from '../engine/report.js';

export const REDACTED = '<redacted>';
export const WEBHOOK_URL = '<webhook url>';

/** URLs that are credentials by themselves. */
const WEBHOOK_URLS = [
  /\bhttps?:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>`]*/gi,
  /\bhttps?:\/\/(?:[\w-]+\.)*discord(?:app)?\.com\/api\/webhooks\/[^\s"'<>`]*/gi,
  /\bhttps?:\/\/[\w.-]*\.webhook\.office\.com\/[^\s"'<>`]*/gi,
  /\bhttps?:\/\/[\w.-]*\.logic\.azure\.com[^\s"'<>`]*/gi,
  /\bhttps?:\/\/chat\.googleapis\.com\/[^\s"'<>`]*/gi,
];

/** `name=value` or `"name": "value"` pairs whose name says the value is a secret. */
const SECRET_ASSIGNMENT =
  /\b((?:aws_?)?secret_?access_?key|(?:aws_?)?session_?token|x-amz-security-token|x-amz-signature|client_?secret|password|passwd|api_?key|access_?token|auth_?token|private_?key)(["']?\s*[:=]\s*["']?)([^\s"',;&}<>]+)/gi;

/** Bearer and basic credentials in header-like text. */
const AUTH_HEADER = /\b(authorization\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',;]+/gi;

/** Userinfo in a URL: https://user:password@host/. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"']+:[^\s/@"']+@/gi;

/**
 * Scrubs one string: webhook URLs (and any exact `secrets` given, such as the configured URL of the
 * channel being reported on) become `<webhook url>`; secret assignments and credentials in URLs
 * become `<redacted>`.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join(WEBHOOK_URL);
  for (const pattern of WEBHOOK_URLS) out = out.replace(pattern, WEBHOOK_URL);
  out = out.replace(SECRET_ASSIGNMENT, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
  out = out.replace(AUTH_HEADER, (_m, prefix: string) => `${prefix}${REDACTED}`);
  out = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  return out;
}

/** Every string in a JSON-like value scrubbed, and values under secret-looking keys replaced. */
export function redactDeep<T>(value: T): T {
  return scrubStrings(redactSecrets(value));
}

function scrubStrings<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(scrubStrings) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redactText(k)] = scrubStrings(v);
    return out as T;
  }
  return value;
}
