/**
 * The kinds of node the configuration schema (schema.ts) is built from, the
 * constructors its sections use, and the type that ties a section to the
 * Config interface it describes.
 */
export interface Documented {
  /** What the key means, with its units and what zero means; shown in the docs. */
  readonly doc: string;
}

/** `true` or `false`. */
export interface BooleanField extends Documented {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** A whole number within [min, max]; sizes are bytes. */
export interface IntegerField extends Documented {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The value must also be a power of two. */
  readonly powerOfTwo?: boolean;
  /**
   * Centrifugo writes this key as a string (`internal_port: "9000"`): a
   * string of digits is read as its number and "" as the default.
   */
  readonly numericString?: boolean;
}

/** A string; a field without a default is required (namespace `name`). */
export interface StringField extends Documented {
  readonly kind: 'string';
  readonly default?: string;
  /** Source of a regular expression the whole value must match. */
  readonly pattern?: string;
  /** The value is itself a regular expression and must compile. */
  readonly isRegex?: boolean;
}

/** One string out of a fixed list. */
export interface EnumField<T extends string = string> extends Documented {
  readonly kind: 'enum';
  readonly values: readonly T[];
  readonly default: NoInfer<T>;
}

/** A Go-style duration string ("25s", "1m30s", "500ms") that becomes integer milliseconds. */
export interface DurationField extends Documented {
  readonly kind: 'duration';
  readonly default: string;
  /** Smallest allowed value, as a duration string. */
  readonly min: string;
  /** The value is only compared with clock times, never used as a timer, so it may exceed Node's timer limit. */
  readonly notTimer?: boolean;
}

/** A list of strings; space-separated in environment variables and flags. */
export interface StringListField extends Documented {
  readonly kind: 'string_list';
  readonly default: readonly string[];
  /** When set, every item must be one of these. */
  readonly values?: readonly string[];
  /** A single string is accepted too, as a list of one (Centrifugo's "string or array" keys). */
  readonly single?: boolean;
}

/** A map of string to string (e.g. HTTP headers), default {}; JSON in environment variables. */
export interface StringMapField extends Documented {
  readonly kind: 'string_map';
  /** Source of a regular expression every key must match. */
  readonly keyPattern?: string;
}

/** A key whose value is an object with its own fields; JSON in environment variables. */
export interface ObjectField<F = Fields> extends Documented {
  readonly kind: 'object';
  /** What the docs call the object's fields, e.g. "channel options". */
  readonly itemName: string;
  readonly fields: F;
}

/** A list of objects with their own fields (default []); JSON in environment variables. */
export interface ObjectListField<F = Fields> extends Documented {
  readonly kind: 'object_list';
  /** What the docs call one item, e.g. "namespace". */
  readonly itemName: string;
  readonly item: F;
  /** Field whose value must differ between items; none when items may repeat (token buckets). */
  readonly unique?: string;
}

/** A section of the file (`client`, `shards`); not a key of its own. */
export interface Group<F = Fields> {
  readonly kind: 'group';
  readonly fields: F;
}

/** A key that holds a value. */
export type Field =
  | BooleanField
  | IntegerField
  | StringField
  | EnumField
  | DurationField
  | StringListField
  | StringMapField
  | ObjectField
  | ObjectListField;

/** Anything in the schema tree. */
export type SchemaNode = Field | Group;

/** The named children of a group or object. */
export type Fields = { readonly [name: string]: SchemaNode };

/** The schema node kinds that may describe a value of type T. */
export type NodeFor<T> = [T] extends [boolean]
  ? BooleanField
  : [T] extends [number]
    ? IntegerField | DurationField
    : [T] extends [string]
      ? string extends T
        ? StringField
        : EnumField<T>
      : [T] extends [readonly (infer I)[]]
        ? [I] extends [string]
          ? StringListField
          : ObjectListField<FieldsFor<I>>
        : string extends keyof T
          ? StringMapField
          : Group<FieldsFor<T>> | ObjectField<FieldsFor<T>>;

/** Schema fields for every key of T, and only those. */
export type FieldsFor<T> = { readonly [K in keyof T]-?: NodeFor<T[K]> };

export const boolean = (def: boolean, doc: string): BooleanField => ({ kind: 'boolean', default: def, doc });
export const integer = (def: number, min: number, max: number, doc: string, powerOfTwo = false): IntegerField =>
  powerOfTwo ? { kind: 'integer', default: def, min, max, powerOfTwo, doc } : { kind: 'integer', default: def, min, max, doc };
export const string = (def: string, doc: string): StringField => ({ kind: 'string', default: def, doc });
export const duration = (def: string, min: string, doc: string): DurationField => ({ kind: 'duration', default: def, min, doc });
/** A duration compared with clock times only (stream meta expiry), which may exceed Node's timer limit. */
export const clockDuration = (def: string, doc: string): DurationField => ({ kind: 'duration', default: def, min: '0s', notTimer: true, doc });

/** Largest integer the schema accepts where a key sets no tighter limit. */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;
