/**
 * Regular expressions written for Centrifugo (Go RE2 syntax) compiled for
 * JavaScript: named groups `(?P<name>…)` become `(?<name>…)`. Everything
 * else RE2 accepts that JavaScript reads the same way works unchanged.
 */

/** Compiles a config regular expression; throws SyntaxError when it is not valid. */
export function compileConfigRegex(source: string): RegExp {
  return new RegExp(source.replace(/\(\?P</g, '(?<'));
}
