// JSON-RPC 2.0 over stdin/stdout, one message per line, as the Prisma CLI talks to its schema
// engine. The CLI sends requests; the engine may also call the CLI (the `print` method) while
// a request is running, and the CLI answers on stdin.
import { createInterface } from 'node:readline';

const PARSE_ERROR = -32700;
const METHOD_NOT_FOUND = -32601;

/**
 * Serves requests from stdin, one at a time (the wasm engine must not run two commands at
 * once), until stdin closes; then waits for the running request and calls `onClose`.
 * @param {{
 *   handlers: Record<string, (params: any, client: { call: (method: string, params: unknown) => Promise<unknown> }) => Promise<unknown>>,
 *   toRpcError: (error: unknown) => { code: number, message: string, data?: unknown },
 *   onClose: () => Promise<void>,
 * }} options
 */
export function serveJsonRpc({ handlers, toRpcError, onClose }) {
  const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const callsAwaitingReply = new Map();
  let nextCallId = 1;
  let running = Promise.resolve();

  const client = {
    call(method, params) {
      const id = nextCallId++;
      return new Promise((resolve, reject) => {
        callsAwaitingReply.set(id, { resolve, reject });
        send({ id, method, params });
      });
    },
  };

  async function answer({ id, method, params }) {
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) {
      send({ id, error: { code: METHOD_NOT_FOUND, message: `Method not found: ${method}` } });
      return;
    }
    try {
      // JSON has no `undefined`: a command without output answers null.
      send({ id, result: (await handler(params, client)) ?? null });
    } catch (error) {
      send({ id, error: toRpcError(error) });
    }
  }

  function settleCall({ id, result, error }) {
    const call = callsAwaitingReply.get(id);
    if (!call) return;
    callsAwaitingReply.delete(id);
    if (error) call.reject(new Error(error.message));
    else call.resolve(result);
  }

  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ id: null, error: { code: PARSE_ERROR, message: 'Parse error' } });
      return;
    }
    // Replies to our own calls are settled at once: the request waiting for them is running.
    if (message.method === undefined) settleCall(message);
    else running = running.then(() => answer(message));
  });
  lines.on('close', () => {
    // Nobody is left to answer our calls.
    for (const [id, call] of callsAwaitingReply) {
      callsAwaitingReply.delete(id);
      call.reject(new Error('stdin closed before the CLI answered'));
    }
    running.then(onClose);
  });
}
