/**
 * A `ws` WebSocket for the SDK that the test can cut (as a lost network
 * would: no close handshake) and whose received bytes it can count.
 */
import WebSocket from 'ws';

/** Sockets made through cuttableWebSocket, and bytes they received. */
export interface SocketTap {
  readonly sockets: WebSocket[];
  bytes: number;
  /** Cuts every open socket abruptly. */
  cut(): void;
}

/** A WebSocket class to pass as the SDK's `websocket` option, and its tap. */
export function cuttableWebSocket(): { WebSocketClass: typeof WebSocket; tap: SocketTap } {
  const tap: SocketTap = {
    sockets: [],
    bytes: 0,
    cut() {
      for (const s of this.sockets) if (s.readyState === WebSocket.OPEN) s.terminate();
    },
  };
  class Tapped extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      tap.sockets.push(this);
      // A Buffer, or an ArrayBuffer when the client set binaryType (the SDK's Protobuf build does).
      this.on('message', (data: Buffer | ArrayBuffer) => {
        tap.bytes += data.byteLength;
      });
    }
  }
  return { WebSocketClass: Tapped as unknown as typeof WebSocket, tap };
}
