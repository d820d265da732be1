import { expressionError } from '../../errors.js';
import { type Builtin, expectString } from './types.js';

/** format("x {} y {}", a, b): each `{}` takes the next argument (strings as they are, other values as JSON). */
export const format: Builtin = (args) => {
  const template = expectString('format', args[0], 1);
  const values = args.slice(1);
  const slots = template.split('{}').length - 1;
  if (slots !== values.length)
    throw expressionError(`format(): ${slots} placeholder(s) but ${values.length} value(s)`);
  let i = 0;
  return template.replace(/\{\}/g, () => {
    const v = values[i++];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
};
