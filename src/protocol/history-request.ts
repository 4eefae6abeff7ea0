/**
 * The fields a history request (the client command and the server API method)
 * shares, read and checked the same way for both: `since` and `limit`.
 */
import { Errors } from './codes';
import { ReplyError } from './errors';

/** A stream position a client or API caller names: publications after `offset` in epoch `epoch`. */
export interface RequestedPosition {
  readonly offset: number;
  readonly epoch: string;
}

/** Reads and checks `since` ({offset, epoch}) of a history request; 107 when malformed. */
export function readSince(value: unknown): RequestedPosition | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ReplyError(Errors.badRequest, 'since must be an object');
  const { offset = 0, epoch = '' } = value as { offset?: unknown; epoch?: unknown };
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new ReplyError(Errors.badRequest, 'since.offset must be a non-negative integer');
  }
  if (typeof epoch !== 'string') throw new ReplyError(Errors.badRequest, 'since.epoch must be a string');
  return { offset, epoch };
}

/** Reads `limit`: an integer ≥ -1; 107 otherwise. */
export function readLimit(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
    throw new ReplyError(Errors.badRequest, 'limit must be an integer of at least -1');
  }
  return value;
}
