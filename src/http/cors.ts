/**
 * CORS for the HTTP transports, after Centrifugo's middleware: when the
 * request's Origin passes `client.allowed_origins` (origin.ts rules), the
 * answer carries `Access-Control-Allow-Origin: <origin>`,
 * `Access-Control-Allow-Credentials: true`, and echoes
 * `Access-Control-Request-Headers` as `Access-Control-Allow-Headers`.
 * Preflights (OPTIONS) get 204 with `Access-Control-Allow-Methods: POST,
 * OPTIONS` and `Access-Control-Max-Age: 300`.
 *
 * Unlike Centrifugo, which leaves refusing to the browser, a request whose
 * Origin is not allowed is refused here with 403 before anything runs.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { liveOriginChecker, type OriginSource } from './origin';
import { answer, answerError, type AbortWatch, type HeaderList } from './body';

/** How long a browser may cache a preflight answer, seconds (Centrifugo's). */
export const PREFLIGHT_MAX_AGE = 300;

/** The CORS facts of one request, read in the request handler (uWS requests die when it returns). */
export interface CorsRequest {
  /** The Origin header; "" when absent. */
  readonly origin: string;
  /** The Origin passes `client.allowed_origins` (always true without an Origin). */
  readonly allowed: boolean;
  /** Headers to put on every answer to this request. */
  readonly headers: HeaderList;
}

/** The CORS policy of `client.allowed_origins`. */
export class CorsPolicy {
  private readonly originAllowed: (origin: string) => boolean;

  /** `allowedOrigins`: the list, or a function giving the list of the config in force. */
  constructor(allowedOrigins: OriginSource) {
    this.originAllowed = liveOriginChecker(allowedOrigins);
  }

  /** Reads a request's Origin and works out the headers its answers carry. */
  inspect(req: HttpRequest): CorsRequest {
    const origin = req.getHeader('origin');
    const allowed = this.originAllowed(origin);
    if (!allowed || origin === '') return { origin, allowed, headers: [] };
    const headers: [string, string][] = [
      ['Access-Control-Allow-Origin', origin],
      ['Access-Control-Allow-Credentials', 'true'],
    ];
    const requested = req.getHeader('access-control-request-headers');
    if (requested !== '' && requested !== 'null') headers.push(['Access-Control-Allow-Headers', requested]);
    return { origin, allowed, headers };
  }

  /**
   * Answers what CORS decides alone: 403 for a disallowed Origin, 204 for a
   * preflight. Returns true when it answered (the handler stops there).
   */
  screen(res: HttpResponse, watch: AbortWatch, method: string, cors: CorsRequest): boolean {
    if (!cors.allowed) {
      answerError(res, watch, '403 Forbidden', 'request origin not allowed');
      return true;
    }
    if (method === 'options') {
      answer(res, watch, '204 No Content', [
        ...cors.headers,
        ['Access-Control-Allow-Methods', 'POST, OPTIONS'],
        ['Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE)],
      ]);
      return true;
    }
    return false;
  }
}
