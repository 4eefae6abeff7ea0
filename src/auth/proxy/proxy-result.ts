/**
 * Reading the fields of a proxy `result`. A field of the wrong type makes the
 * whole answer unusable (ProxyError → error 100 for the client), like an
 * answer that is not JSON.
 */
import { json, jsonOrBase64, subscribeOptions, type SubscribeOptions } from '../claims';
import { ProxyError, TokenError } from '../errors';

/** A proxy result object. */
export type ProxyResult = Readonly<Record<string, unknown>>;

/** Runs a claims reader on a proxy result, turning its complaint into a ProxyError. */
function asProxyField<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof TokenError) throw new ProxyError(`proxy result: ${err.message}`);
    throw err;
  }
}

/** A string field ("" when absent). */
export function resultString(result: ProxyResult | undefined, name: string): string {
  const value = result?.[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ProxyError(`proxy result: ${name} must be a string`);
  return value;
}

/** A boolean field (false when absent). */
export function resultBoolean(result: ProxyResult | undefined, name: string): boolean {
  const value = result?.[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new ProxyError(`proxy result: ${name} must be true or false`);
  return value;
}

/** `expire_at` (Unix seconds) as ms since epoch; 0 when absent or not positive. */
export function resultExpireAt(result: ProxyResult | undefined): number {
  const value = result?.['expire_at'];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ProxyError('proxy result: expire_at must be a number');
  return value > 0 ? Math.floor(value) * 1000 : 0;
}

/** JSON text of field `name` (a JSON value, such as `meta`); undefined when absent. */
export function resultRawJson(result: ProxyResult | undefined, name: string): string | undefined {
  return json(result?.[name]);
}

/** JSON text of `name`, or of `b64name` decoded (which must be JSON); undefined when both are absent. */
export function resultJson(result: ProxyResult | undefined, name: string, b64name: string): string | undefined {
  if (!result) return undefined;
  return asProxyField(() => jsonOrBase64(result, name, b64name));
}

/** `info`/`b64info`, `data`/`b64data` and `override` of a subscription in a result. */
export function resultSubscribeOptions(value: unknown, where: string): SubscribeOptions {
  return asProxyField(() => subscribeOptions(value ?? {}, where));
}

/** A list of strings ([] when absent). */
export function resultStringList(result: ProxyResult | undefined, name: string): string[] {
  const value = result?.[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ProxyError(`proxy result: ${name} must be an array of strings`);
  return value as string[];
}

/** A map of string to string, or undefined when absent or empty. */
export function resultStringMap(result: ProxyResult | undefined, name: string): Record<string, string> | undefined {
  const value = result?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ProxyError(`proxy result: ${name} must be an object of strings`);
  }
  return Object.keys(value).length > 0 ? (value as Record<string, string>) : undefined;
}
