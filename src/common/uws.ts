/**
 * Loads uWebSockets.js and makes sure it is the native build. The
 * `@trufflesuite/uws-js-unofficial` package silently falls back to a slow
 * JavaScript implementation on `ws` when its binary does not load (wrong
 * Node ABI, missing platform build, UWS_USE_FALLBACK set); switchyard refuses
 * to run on that.
 */
import type * as Uws from 'uWebSockets.js';

declare module 'uWebSockets.js' {
  interface TemplatedApp {
    /**
     * Closes every socket of the app at once: its listen sockets and every
     * connection, HTTP keep-alive ones included (an unanswered request gets
     * its onAborted). The native build of the pinned 20.30 has it; its typings
     * do not declare it.
     */
    close(): TemplatedApp;
  }
}

/** Thrown when only the JavaScript fallback of uWebSockets.js is available. */
export class NativeUwsMissingError extends Error {
  readonly code = 'SY_UWS_NOT_NATIVE';
  constructor(detail: string) {
    super(
      `uWebSockets.js did not load its native binary (${detail}); switchyard will not run on the slow ws fallback. ` +
        `Node ${process.version} (ABI ${process.versions.modules}) on ${process.platform}-${process.arch} needs ` +
        `binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node; ` +
        'use Node 16, 18 or 20 on Linux x64/arm64, and unset UWS_USE_FALLBACK.',
    );
  }
}

/** Whether a loaded uWS module is the native addon (its functions are native code). */
export function isNativeUws(uws: typeof Uws): boolean {
  return typeof uws.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}

let cached: typeof Uws | null = null;

/** Loads uWS once, throwing NativeUwsMissingError on the fallback. */
export function loadUws(): typeof Uws {
  if (cached) return cached;
  const env = process.env['UWS_USE_FALLBACK'];
  if (env && /^(1|true)$/i.test(env)) throw new NativeUwsMissingError('UWS_USE_FALLBACK is set');
  // On a failed binary load the package prints its own warning and returns the fallback; we refuse it below.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const uws = require('uWebSockets.js') as typeof Uws;
  if (!isNativeUws(uws)) throw new NativeUwsMissingError('the package returned its JavaScript fallback');
  cached = uws;
  return uws;
}
