/**
 * A JSON parser that keeps, for every object member, the exact source text
 * of its value. The Protobuf converter needs it for `bytes` fields: a JSON
 * reply carries payloads as raw JSON, and their bytes must go out exactly as
 * they came in (JSON.parse then JSON.stringify would reformat numbers and
 * lose precision of large integers). Used on low-rate replies only, never on
 * the publication fan-out path.
 */

/** Where a parsed object keeps the source text of its members' values. */
export const RAW = Symbol('raw');

/** A parsed JSON object with the source text of its members' values. */
export interface RawObject {
  [key: string]: unknown;
  [RAW]: Record<string, string>;
}

/** Parses JSON text; objects carry their members' source under RAW. Throws SyntaxError on bad JSON. */
export function parseWithRaw(text: string): unknown {
  const parser = new Parser(text);
  const value = parser.value();
  parser.space();
  if (parser.at !== text.length) throw new SyntaxError('trailing characters in JSON');
  return value;
}

class Parser {
  at = 0;
  constructor(private readonly s: string) {}

  space(): void {
    const s = this.s;
    while (this.at < s.length) {
      const c = s.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  value(): unknown {
    this.space();
    const c = this.s[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    const start = this.at;
    while (this.at < this.s.length && !',]} \n\r\t'.includes(this.s[this.at]!)) this.at++;
    return JSON.parse(this.s.slice(start, this.at)) as unknown;
  }

  private string(): string {
    const start = this.at++;
    const s = this.s;
    while (this.at < s.length) {
      const c = s[this.at++];
      if (c === '\\') this.at++;
      else if (c === '"') return JSON.parse(s.slice(start, this.at)) as string;
    }
    throw new SyntaxError('unterminated string in JSON');
  }

  private array(): unknown[] {
    this.at++;
    const out: unknown[] = [];
    this.space();
    if (this.s[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      const c = this.s[this.at++];
      if (c === ']') return out;
      if (c !== ',') throw new SyntaxError('expected , or ] in JSON');
    }
  }

  private object(): RawObject {
    this.at++;
    const raw: Record<string, string> = {};
    const out = { [RAW]: raw } as RawObject;
    this.space();
    if (this.s[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s[this.at] !== '"') throw new SyntaxError('expected a member name in JSON');
      const key = this.string();
      this.space();
      if (this.s[this.at++] !== ':') throw new SyntaxError('expected : in JSON');
      this.space();
      const start = this.at;
      const value = this.value();
      raw[key] = this.s.slice(start, this.at);
      out[key] = value;
      this.space();
      const c = this.s[this.at++];
      if (c === '}') return out;
      if (c !== ',') throw new SyntaxError('expected , or } in JSON');
    }
  }
}
