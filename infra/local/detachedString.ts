/**
 * A flat copy of a string. V8 keeps a substring of 13 or more characters as a slice of its parent, so a
 * parameter parsed out of a request body keeps the whole body alive for as long as it is kept: an execution
 * name remembered for days, or a nonce for 15 minutes. What the local cloud keeps past the request, it copies.
 */
export function detachedCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export function detachedValues(params: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) copy[name] = detachedCopy(value);
  return copy;
}
