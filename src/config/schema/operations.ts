/**
 * The schema sections an operator touches to run switchyard as a service:
 * where it listens (client port, internal port, TLS), how it logs, its pid
 * file and Prometheus metrics. Part of the one schema in schema.ts.
 */
import { boolean, integer, string, type FieldsFor, type Group } from './nodes';
import type { Config, HttpServerConfig, LogConfig, HttpServerTlsConfig } from '../types';

const TLS_FIELDS = {
  enabled: boolean(false, 'Serve every client transport and the API on `http_server.port` over TLS (wss://, https://); needs a certificate and a key.'),
  cert_pem: string('', 'Certificate chain for TLS: PEM text, base64 of PEM text, or the path of a PEM file (as Centrifugo v6); "" when `cert_pem_file` is set.'),
  key_pem: string('', 'Private key for TLS: PEM text, base64 of PEM text, or the path of a PEM file; "" when `key_pem_file` is set.'),
  cert_pem_file: string('', 'Path of a PEM certificate chain file (Centrifugo v5 form); "" when `cert_pem` is set.'),
  key_pem_file: string('', 'Path of a PEM private key file (Centrifugo v5 form); "" when `key_pem` is set.'),
} satisfies FieldsFor<HttpServerTlsConfig>;

const HTTP_SERVER_FIELDS = {
  address: string('', 'Interface to bind; "" means all interfaces.'),
  port: integer(8000, 0, 65535, 'TCP port every shard listens on (SO_REUSEPORT); 0 picks a free port at start.'),
  internal_address: string('', 'Interface of the internal port; "" means `http_server.address`.'),
  internal_port: {
    ...integer(
      0,
      0,
      65535,
      'Port that serves the server API, `/metrics`, `/health` and the admin UI instead of `http_server.port` (which then serves clients only), without TLS; 0 means no internal port. A string of digits is accepted too, as Centrifugo writes it ("" = 0).',
    ),
    numericString: true,
  },
  tls: { kind: 'group', fields: TLS_FIELDS },
} satisfies FieldsFor<HttpServerConfig>;

const LOG_FIELDS = {
  level: {
    kind: 'enum',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'none'],
    default: 'info',
    doc: 'Lowest level written; `none` writes nothing. Changes on reload.',
  },
  format: {
    kind: 'enum',
    values: ['auto', 'text', 'json'],
    default: 'auto',
    doc: '`json`: one JSON object per line (`time`, `level`, `scope`, `msg`, fields); `text`: `<time> <LEVEL> [scope] message key=value…`; `auto`: text when stderr is a terminal, JSON otherwise.',
  },
  file: string('', 'Append log lines to this file instead of stderr (reopened on reload, for log rotation); "" writes to stderr.'),
} satisfies FieldsFor<LogConfig>;

/** Operator keys of the config file, in the order the docs list them. */
export const OPERATIONS_FIELDS = {
  http_server: { kind: 'group', fields: HTTP_SERVER_FIELDS } satisfies Group<FieldsFor<HttpServerConfig>>,
  log: { kind: 'group', fields: LOG_FIELDS } satisfies Group<FieldsFor<LogConfig>>,
  pid_file: string('', 'Path of a file the server writes its process id to at start and removes at exit; `switchyard reload` reads it. "" for none.'),
  prometheus: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve Prometheus metrics at `GET /metrics` (on `http_server.internal_port` when set): Centrifugo\'s metric names summed over shards, plus per-shard `switchyard_*` metrics.'),
    },
  },
} satisfies FieldsFor<Pick<Config, 'http_server' | 'log' | 'pid_file' | 'prometheus'>>;
