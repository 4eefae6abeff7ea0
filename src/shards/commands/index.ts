/** The dispatch table: command field name → handler. */
import type { CommandMethod } from '../../protocol/json';
import { handleConnect } from './connect';
import { handlePublish } from './publish';
import { handleHistory } from './history';
import { handlePresence, handlePresenceStats } from './presence';
import { handleRefresh } from './refresh';
import { handleRpc } from './rpc';
import { handlePing, handleSend } from './simple';
import { handleSubRefresh } from './sub-refresh';
import { handleSubscribe } from './subscribe';
import type { CommandHandler } from './types';
import { handleUnsubscribe } from './unsubscribe';

/** Every command's handler. */
export const COMMAND_HANDLERS: Readonly<Record<CommandMethod, CommandHandler>> = Object.freeze({
  connect: handleConnect,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
  history: handleHistory,
  ping: handlePing,
  send: handleSend,
  rpc: handleRpc,
  refresh: handleRefresh,
  sub_refresh: handleSubRefresh,
});
