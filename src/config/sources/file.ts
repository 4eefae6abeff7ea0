/** Reading a JSON config file, with errors that name the file and the line and column. */
import { readFileSync } from 'node:fs';
import { isPlainObject } from '../check';
import { jsonErrorOffset } from './json-position';

/** The parsed top-level object of a config file, or what went wrong. */
export type FileReading = { readonly value: Record<string, unknown> } | { readonly error: string };

/** What a JSON mistake at `offset` looks like: the word or character found there, or the end of the file. */
function found(text: string, offset: number): string {
  if (offset >= text.length) return 'unexpected end of file';
  const word = /[^\s,:{}[\]"]{1,20}/y;
  word.lastIndex = offset;
  return `unexpected ${JSON.stringify(word.exec(text)?.[0] ?? text[offset])}`;
}

/** `line L column C` (both from 1) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length} column ${(before.at(-1) as string).length + 1}`;
}

/** Reads and parses a JSON config file; the top level must be an object. */
export function readConfigFile(file: string): FileReading {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { error: `cannot read config file ${file}: ${reason}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    if (offset < 0) return { error: `${file}: invalid JSON: ${(err as Error).message}` }; // not expected: the scanner follows RFC 8259
    return { error: `${file}: invalid JSON at ${lineColumn(text, offset)}: ${found(text, offset)}` };
  }
  if (!isPlainObject(value)) return { error: `${file}: the top level must be a JSON object` };
  return { value };
}
