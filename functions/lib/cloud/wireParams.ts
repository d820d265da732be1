/**
 * RPC parameter encoding, done here rather than left to pop-core: lists become `Name.1`, `Name.2`…, lists of
 * structs `Tag.1.Key`, booleans `true`/`false`, numbers decimal; `undefined` and `null` are dropped (pop-core
 * would send the string "undefined"), and a plain nested object is refused (pop-core would send
 * "[object Object]").
 */
export type WireValue = string | number | boolean | null | undefined | readonly WireValue[] | WireStruct;
export interface WireStruct {
  readonly [key: string]: WireValue;
}

export function toWireParams(params: Readonly<Record<string, WireValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: WireValue, inList: boolean): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        put(`${name}.${index + 1}`, item as WireValue, true);
      });
      return;
    }
    if (typeof value === 'object') {
      if (!inList)
        throw new TypeError(`parameter ${name} is an object; RPC APIs only take structs inside lists`);
      for (const [key, inner] of Object.entries(value as WireStruct)) put(`${name}.${key}`, inner, false);
      return;
    }
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError(`parameter ${name} is not a finite number`);
    out[name] = String(value);
  };
  for (const [name, value] of Object.entries(params)) put(name, value, false);
  return out;
}
