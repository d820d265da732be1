/**
 * Keeping secrets out of logs, errors and events. pop-core puts the signed URL (AccessKeyId, SecurityToken,
 * Signature) into the messages of failed GET requests; mirrorflow only POSTs, and redacts anyway.
 */
const SENSITIVE_QUERY = /\b(AccessKeyId|AccessKeySecret|SecurityToken|Signature|SignatureNonce)=[^&\s,]*/gi;
const URL_TAIL = /,?\s*URL:\s*\S+/g;
const SENSITIVE_KEY = /secret|token|password|signature|authorization|credential/i;

/** Removes signed-URL tails, sensitive query parameters and the given secret values from a text. */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(URL_TAIL, '').replace(SENSITIVE_QUERY, '$1=[redacted]');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** Whether a key of a logged object may hold a secret (its value is replaced when logged). */
export function isSensitiveKey(key: string): boolean {
  // A ClientToken is an idempotency key, not a credential: it must stay visible for tracing.
  if (/^clienttoken$/i.test(key)) return false;
  return SENSITIVE_KEY.test(key);
}
