/** Commands whose answer does not depend on any state: ping and send. */
import { Disconnects } from '../../protocol/codes';
import { DisconnectError } from '../../protocol/errors';
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';

/** `ping` (the client's RPC-style ping, not the empty pong): `{}`. */
export const handlePing: CommandHandler = () => EMPTY_RESULT;

/** `send`: Centrifugo without a message handler disconnects with 3508. */
export const handleSend: CommandHandler = () => {
  throw new DisconnectError(Disconnects.notAvailable);
};
