/** Deep freezing, so a validated config cannot be changed by anything that reads it. */

/** Freezes `value` and every object and array inside it (acyclic data only); returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
