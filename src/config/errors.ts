/** The error every config problem is reported with. */

/** An invalid configuration; `errors` lists every problem found, each naming its key path or source. */
export class ConfigError extends Error {
  readonly code = 'SY_CONFIG_INVALID';
  /** One readable line per problem, e.g. `http_server.port must be an integer, got "abc"`. */
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    const noun = errors.length === 1 ? 'error' : 'errors';
    super(`invalid configuration (${errors.length} ${noun}):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'ConfigError';
    this.errors = Object.freeze([...errors]);
  }
}
