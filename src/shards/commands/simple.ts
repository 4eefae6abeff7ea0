/**
 * Commands whose answer does not depend on channel state: ping, send, rpc,
 * and token refresh until tokens arrive, which answers as Centrifugo does
 * when the feature is off.
 */
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';

/** `ping` (the client's RPC-style ping, not the empty pong): `{}`. */
export const handlePing: CommandHandler = () => EMPTY_RESULT;

/** `send`: Centrifugo without a message handler disconnects with 3508. */
export const handleSend: CommandHandler = () => {
  throw new DisconnectError(Disconnects.notAvailable);
};

/** `rpc`: without an RPC proxy every method is unknown: 104, except the built-in ping extension, which is off by default. */
export const handleRpc: CommandHandler = () => {
  throw new ReplyError(Errors.methodNotFound);
};

/** refresh and sub_refresh need token support: 108 until then. */
export const handleRefreshNotAvailable: CommandHandler = () => {
  throw new ReplyError(Errors.notAvailable);
};
