/**
 * Reading a config file as Centrifugo does: JSON, YAML (`.yaml`, `.yml`) or
 * TOML (`.toml`), chosen by the extension (anything else is read as JSON).
 * A syntax error names the file, the line and the column.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type * as SmolToml from 'smol-toml';
import type * as Yaml from 'yaml';
import { isPlainObject } from '../check';
import { jsonErrorOffset } from './json-position';

/** The parsed top-level object of a config file, or what went wrong. */
export type FileReading = { readonly value: Record<string, unknown> } | { readonly error: string };

/** The formats a config file may be written in. */
export type ConfigFormat = 'json' | 'yaml' | 'toml';

/** The format of a config file, by its extension (JSON unless `.yaml`, `.yml` or `.toml`). */
export function formatOf(file: string): ConfigFormat {
  const ext = extname(file).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? 'yaml' : ext === '.toml' ? 'toml' : 'json';
}

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

function parseJsonText(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    if (offset < 0) throw new Error(`${file}: invalid JSON: ${(err as Error).message}`); // not expected: the scanner follows RFC 8259
    throw new Error(`${file}: invalid JSON at ${lineColumn(text, offset)}: ${found(text, offset)}`);
  }
}

// The YAML and TOML parsers are loaded on first use: a JSON config (and every short command) does not pay for them.
const yaml = (): typeof Yaml => require('yaml') as typeof Yaml;
const toml = (): typeof SmolToml => require('smol-toml') as typeof SmolToml;

function parseYamlText(file: string, text: string): unknown {
  const { parse: parseYaml, YAMLParseError } = yaml();
  try {
    // An empty document is an empty config, as Centrifugo reads it.
    return parseYaml(text) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const reason = (err.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
      const at = err.linePos?.[0];
      throw new Error(`${file}: invalid YAML${at ? ` at line ${at.line} column ${at.col}` : ''}: ${reason}`);
    }
    throw new Error(`${file}: invalid YAML: ${(err as Error).message}`);
  }
}

function parseTomlText(file: string, text: string): unknown {
  const { parse: parseToml, TomlError } = toml();
  try {
    return parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] as string).replace(/^Invalid TOML document: /, '');
      throw new Error(`${file}: invalid TOML at line ${err.line} column ${err.column}: ${reason}`);
    }
    throw new Error(`${file}: invalid TOML: ${(err as Error).message}`);
  }
}

const PARSERS: Readonly<Record<ConfigFormat, (file: string, text: string) => unknown>> = Object.freeze({
  json: parseJsonText,
  yaml: parseYamlText,
  toml: parseTomlText,
});

/** Reads and parses a config file; the top level must be an object (a mapping, a TOML document). */
export function readConfigFile(file: string): FileReading {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { error: `cannot read config file ${file}: ${reason}` };
  }
  const format = formatOf(file);
  let value: unknown;
  try {
    value = PARSERS[format](file, text);
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (!isPlainObject(value)) return { error: `${file}: the top level must be ${format === 'json' ? 'a JSON object' : 'a mapping of keys'}` };
  return { value };
}
