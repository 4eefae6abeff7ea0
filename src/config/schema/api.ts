/**
 * The schema sections of the server HTTP API (`http_api`) and of how the
 * config itself is read (`config`), with the types they produce. Part of the
 * one schema in schema.ts.
 */
import { boolean, string, type FieldsFor } from './nodes';

/** `http_api`: the server HTTP API. */
export interface HttpApiConfig {
  /** API key checked against `X-API-Key`, `Authorization: apikey <key>` or the `api_key` query parameter. */
  readonly key: string;
  /** Serve the API without a key (development only). */
  readonly insecure: boolean;
  /** Do not serve the HTTP API at all. */
  readonly disabled: boolean;
  /** Path prefix of the API: `<prefix>/<method>`, and `<prefix>` itself for the legacy `{"method","params"}` form; "" or "/" is the root. */
  readonly handler_prefix: string;
  /** "transport": method errors are HTTP statuses (Centrifugo's mapping) with the error as the body; "": status 200 with `{"error"}`. */
  readonly error_mode: '' | 'transport';
}

/** `config`: how the config is read. */
export interface ConfigOptions {
  /** Ignored Centrifugo keys and unknown keys are errors instead of warnings. */
  readonly strict: boolean;
}

/** The `http_api` and `config` keys of the config file. */
export const API_FIELDS = {
  http_api: {
    kind: 'group',
    fields: {
      key: string(
        '',
        'Server API key, sent as `X-API-Key: <key>`, `Authorization: apikey <key>` or the query parameter `?api_key=<key>`; "" rejects every API request (401) unless `http_api.insecure`.',
      ),
      insecure: boolean(false, 'Development only: serve the server API without checking the key.'),
      disabled: boolean(false, 'Do not serve the server HTTP API (every API path is then 404).'),
      handler_prefix: {
        kind: 'string',
        default: '/api',
        pattern: '^(/[^?#\\s]*)?$',
        doc: 'Path prefix of the server API: methods at `<prefix>/<method>`, the legacy newline-delimited `{"method","params"}` form at `<prefix>` itself; "" or "/" serves methods at `/<method>`.',
      },
      error_mode: {
        kind: 'enum',
        values: ['', 'transport'],
        default: '',
        doc: '"transport": a method error is answered with an HTTP status (100 → 500, 102/104 → 404, 107/108 → 400, 112 → 416, 113 → 409, others 500) and `{"code","message"}` as the body; "" answers 200 with `{"error":{…}}` (per request: header `X-Centrifugo-Error-Mode: transport`).',
      },
    },
  },
} satisfies FieldsFor<{ http_api: HttpApiConfig }>;

/** The `config` section (last in the file). */
export const CONFIG_OPTION_FIELDS = {
  config: {
    kind: 'group',
    fields: {
      strict: boolean(
        false,
        'Make ignored Centrifugo keys (ones switchyard does not implement) and unknown keys errors that stop the server, instead of warnings; `--strict` on the command line.',
      ),
    },
  },
} satisfies FieldsFor<{ config: ConfigOptions }>;
