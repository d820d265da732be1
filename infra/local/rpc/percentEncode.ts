/** RFC 3986 percent-encoding as Alibaba Cloud signatures use it: keep A–Z a–z 0–9 - _ . ~, encode the rest. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `name=value` pairs, sorted by name (code-unit order), encoded, joined with `&`. */
export function canonicalQuery(
  params: Readonly<Record<string, string>>,
  omit: readonly string[] = [],
): string {
  return Object.keys(params)
    .filter((name) => !omit.includes(name))
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name]!)}`)
    .join('&');
}
