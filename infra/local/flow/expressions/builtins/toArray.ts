import type { Builtin } from './types.js';

/**
 * toArray(a, b, …) → [a, b, …] ("Convert a variable number of arguments into an array":
 * https://help.aliyun.com/en/document_detail/2579872.html).
 */
export const toArray: Builtin = (args) => [...args];
