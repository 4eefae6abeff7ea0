/**
 * Where a JSON document stops being valid. V8's JSON.parse messages carry a
 * position only for some mistakes ("Unexpected token 'x', ... is not valid
 * JSON" has none), so a config error would sometimes lack a line and column;
 * this small scanner finds the offset for every kind of mistake.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const LITERALS = ['true', 'false', 'null'] as const;

/** Thrown inside the scanner to stop at the current offset. */
const STOP = Symbol('stop');

/** Offset of the first syntax error in `text` (text.length when it ends too early); -1 when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw STOP;
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[i] !== char) fail();
    i++;
  };
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  const string = (): void => {
    expect('"');
    for (let c = text[i]; c !== '"'; c = text[i]) {
      if (c === undefined || c < ' ') fail();
      if (c !== '\\') i++;
      else if (!match(ESCAPE)) fail();
    }
    i++;
  };
  const sequence = (close: string, item: () => void): void => {
    i++; // the opening bracket
    skipSpace();
    if (text[i] !== close) {
      for (item(), skipSpace(); text[i] === ','; skipSpace()) {
        i++;
        item();
      }
    }
    expect(close);
  };
  const member = (): void => {
    string();
    expect(':');
    value();
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') sequence('}', member);
    else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (!match(NUMBER)) {
      const literal = LITERALS.find((l) => text.startsWith(l, i));
      if (literal === undefined) fail();
      else i += literal.length;
    }
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return -1;
  } catch (err) {
    if (err !== STOP) throw err;
    return Math.min(i, text.length);
  }
}
