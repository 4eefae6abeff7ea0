/** The shape of the generated Centrifugo key tables (keys-*.ts). */

/**
 * How Centrifugo types a key: a scalar (`bool`, `int`, `float`, `string`,
 * `duration`), a list of strings (`strings`), a string map (`map`), a nested
 * object (`section`) or a list of objects (`list`, whose item fields have
 * paths with `[]`).
 */
export type CentrifugoKind = 'bool' | 'int' | 'float' | 'string' | 'duration' | 'strings' | 'map' | 'section' | 'list';

/** One generated entry: path in file form (`channel.namespaces[].presence`), kind, Centrifugo's default in file form. */
export type CentrifugoKeyEntry = readonly [path: string, kind: CentrifugoKind, defaultValue: unknown];
