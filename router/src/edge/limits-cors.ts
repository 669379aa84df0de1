import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const EXPOSED_HEADERS = 'x-request-id, retry-after';
const PREFLIGHT_CACHE_SECONDS = '600';

/** The configured browser origins, or the router's own localhost origin (its playground). */
export function allowedOrigins(configured: string[] | undefined, port: number): string[] {
  return configured ?? [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/**
 * CORS for browsers: only the allowed origins get `Access-Control-Allow-Origin`, so a page from any
 * other origin cannot read a response, and its preflight is refused (403), so it cannot send the
 * JSON POST at all. Requests without an Origin (servers, curl) are not browsers' and pass as they
 * are. Apollo's CSRF prevention covers the requests a browser sends without a preflight.
 *
 * Returns true when it answered the request itself (a preflight).
 */
export function corsPolicy(origins: string[]) {
  const allowed = new Set(origins);
  return function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    res.setHeader('vary', 'Origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      if (preflight) {
        res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        // The origin is trusted: whatever headers its page sends (authorization, x-api-key…) may come.
        const requested = req.headers['access-control-request-headers'];
        if (requested) res.setHeader('access-control-allow-headers', requested);
        res.setHeader('access-control-max-age', PREFLIGHT_CACHE_SECONDS);
        res.writeHead(204).end();
        return true;
      }
      return false;
    }
    if (preflight) {
      res
        .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`Origin ${origin ?? '(none)'} is not allowed.`);
      return true;
    }
    return false;
  };
}
