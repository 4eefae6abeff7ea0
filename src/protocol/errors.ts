/**
 * The two error families of the client protocol. Command handlers throw them;
 * only the dispatcher turns them into frames:
 * - ReplyError becomes `{"id":N,"error":{code,message,temporary}}` and the connection stays;
 * - DisconnectError closes the connection with its code and reason.
 */
import { Errors, type DisconnectCode, type ErrorCode } from './codes';

/** An error answered in the reply to one command; the connection stays open. */
export class ReplyError extends Error {
  readonly code: number;
  readonly temporary: boolean;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? code.message);
    this.name = 'ReplyError';
    this.code = code.code;
    this.temporary = code.temporary;
  }
  /** The `error` object of a reply (and of a server API response). */
  toJSON(): { code: number; message: string; temporary?: boolean } {
    return this.temporary
      ? { code: this.code, message: this.message, temporary: true }
      : { code: this.code, message: this.message };
  }
}

/** An error that ends the connection with a disconnect code. */
export class DisconnectError extends Error {
  readonly disconnect: DisconnectCode;
  constructor(disconnect: DisconnectCode) {
    super(disconnect.reason);
    this.name = 'DisconnectError';
    this.disconnect = disconnect;
  }
}

/** A `{code, message}` pair as it crosses threads; rebuilt into a ReplyError by code. */
export interface WireError {
  readonly code: number;
  readonly message: string;
  readonly temporary?: boolean;
}

/** Rebuilds a ReplyError from its wire form. */
export function replyErrorFromWire(wire: WireError): ReplyError {
  return new ReplyError({ code: wire.code, message: wire.message, temporary: wire.temporary ?? false });
}

/** Converts anything thrown into the wire form; unknown errors become 100 internal. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ReplyError) return err.toJSON();
  return { code: Errors.internal.code, message: Errors.internal.message, temporary: true };
}
