/** Reading a JSON document for the CLI, with errors a person can act on (file, line, column), never a stack. */
import { readFile } from 'node:fs/promises';
import type { CliIo } from './io.js';

export class InputError extends Error {
  override readonly name = 'InputError';
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** A file's text, or standard input's for `-`; InputError says why it cannot be read. */
export async function readInputText(path: string, io: CliIo): Promise<string> {
  try {
    return path === '-' ? await io.readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new InputError(`cannot read ${path}: ${reason}`);
  }
}

export async function readJsonDocument(path: string, io: CliIo): Promise<unknown> {
  const text = await readInputText(path, io);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const where = position === undefined ? '' : ` at ${lineAndColumn(text, Number(position))}`;
    const what =
      text.trim() === ''
        ? 'the file is empty'
        : message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new InputError(`${path === '-' ? 'standard input' : path} is not valid JSON${where}: ${what}`);
  }
}
