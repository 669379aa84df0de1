/**
 * A payment provider sandbox: a small HTTP server standing in for a card processor, so the saga
 * meets a real network peer with real failure modes. State is in memory (a restart forgets every
 * charge, as a fresh sandbox account would).
 *
 *   POST /charges  { amountCents, currency, reference }   Idempotency-Key header required
 *   POST /refunds  { chargeId, amountCents }               Idempotency-Key header required
 *   POST /control  { mode: ok|decline|error|down, latencyMs, errorRate }   (any subset)
 *   GET  /control, GET /charges[?reference=], GET /refunds, GET /healthz
 *
 * One Idempotency-Key never charges twice: the first answer (a capture or a decline) is kept and
 * given again to every repeat, as card processors do. Modes: `decline` refuses every new charge
 * for good (402 card_declined); `error` answers 500 (nothing kept, so a retry may succeed); `down`
 * holds the request without answering until the caller gives up. `errorRate` makes that share of
 * requests answer 500 in `ok` mode; `latencyMs` delays every answer.
 *   PAYMENT_PROVIDER_PORT (default 4010), PAYMENT_PROVIDER_HOST (default 127.0.0.1)
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProviderMode = 'ok' | 'decline' | 'error' | 'down';
export type ProviderControl = { mode: ProviderMode; latencyMs: number; errorRate: number };

export type Charge = {
  id: string;
  status: 'captured' | 'declined';
  amountCents: number;
  currency: string;
  reference: string;
  idempotencyKey: string;
  createdAt: string;
};
export type RefundRecord = {
  id: string;
  chargeId: string;
  amountCents: number;
  status: 'succeeded';
  createdAt: string;
};

type Answer = { status: number; body: unknown };

const MODES: readonly ProviderMode[] = ['ok', 'decline', 'error', 'down'];
const MAX_BODY = 16 * 1024;

export interface PaymentProvider {
  url: string;
  server: Server;
  control: ProviderControl;
  charges(): Charge[];
  close(): Promise<void>;
}

export async function startPaymentProvider(
  options: { port?: number; host?: string; log?: (line: string) => void } = {},
): Promise<PaymentProvider> {
  const log = options.log ?? (() => {});
  const control: ProviderControl = { mode: 'ok', latencyMs: 0, errorRate: 0 };
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, RefundRecord>();
  /** Every answer given to an idempotency key, per endpoint: repeats get it again. */
  const answers = new Map<string, Answer>();
  const held = new Set<ServerResponse>();

  const send = (res: ServerResponse, { status, body }: Answer) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const problem = (status: number, code: string, message: string): Answer => ({
    status,
    body: { error: { code, message } },
  });

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return undefined;
      chunks.push(chunk as Buffer);
    }
    try {
      const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  function charge(key: string, body: Record<string, unknown>): Answer {
    const { amountCents, currency, reference } = body;
    if (!Number.isInteger(amountCents) || (amountCents as number) <= 0)
      return problem(400, 'invalid_amount', 'amountCents must be a positive whole number');
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
      return problem(400, 'invalid_currency', 'currency must be an ISO 4217 code');
    if (typeof reference !== 'string' || reference.length === 0)
      return problem(400, 'invalid_reference', 'reference (your order id) is required');
    const record: Charge = {
      id: `ch_${randomUUID()}`,
      status: control.mode === 'decline' ? 'declined' : 'captured',
      amountCents: amountCents as number,
      currency,
      reference,
      idempotencyKey: key,
      createdAt: new Date().toISOString(),
    };
    charges.set(record.id, record);
    if (record.status === 'declined')
      return {
        status: 402,
        body: { error: { code: 'card_declined', message: 'The card was declined.' }, charge: record },
      };
    return { status: 201, body: record };
  }

  function refund(body: Record<string, unknown>): Answer {
    const { chargeId, amountCents } = body;
    const original = typeof chargeId === 'string' ? charges.get(chargeId) : undefined;
    if (original?.status !== 'captured') return problem(404, 'no_such_charge', 'No captured charge has that id.');
    if (!Number.isInteger(amountCents) || (amountCents as number) <= 0)
      return problem(400, 'invalid_amount', 'amountCents must be a positive whole number');
    const refunded = [...refunds.values()]
      .filter((r) => r.chargeId === original.id)
      .reduce((sum, r) => sum + r.amountCents, 0);
    if (refunded + (amountCents as number) > original.amountCents)
      return problem(400, 'amount_too_large', 'A charge cannot be refunded for more than it took.');
    const record: RefundRecord = {
      id: `re_${randomUUID()}`,
      chargeId: original.id,
      amountCents: amountCents as number,
      status: 'succeeded',
      createdAt: new Date().toISOString(),
    };
    refunds.set(record.id, record);
    return { status: 201, body: record };
  }

  function setControl(body: Record<string, unknown>): Answer {
    const next = { ...control };
    if (body.mode !== undefined) {
      if (!MODES.includes(body.mode as ProviderMode))
        return problem(400, 'invalid_mode', `mode is one of ${MODES.join(', ')}`);
      next.mode = body.mode as ProviderMode;
    }
    if (body.latencyMs !== undefined) {
      if (!Number.isInteger(body.latencyMs) || (body.latencyMs as number) < 0 || (body.latencyMs as number) > 600_000)
        return problem(400, 'invalid_latency', 'latencyMs is a whole number from 0 to 600000');
      next.latencyMs = body.latencyMs as number;
    }
    if (body.errorRate !== undefined) {
      const rate = body.errorRate as number;
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
        return problem(400, 'invalid_error_rate', 'errorRate is from 0 to 1');
      next.errorRate = rate;
    }
    Object.assign(control, next);
    log(`control: ${JSON.stringify(control)}`);
    // Requests held while down are let go when the provider comes back: as a reset connection.
    if (control.mode !== 'down') for (const res of held) res.destroy();
    return { status: 200, body: control };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /healthz') return send(res, { status: 200, body: { status: 'ok' } });
    if (route === 'GET /control') return send(res, { status: 200, body: control });
    if (route === 'GET /charges') {
      const reference = url.searchParams.get('reference');
      const list = [...charges.values()].filter((c) => reference === null || c.reference === reference);
      return send(res, { status: 200, body: list });
    }
    if (route === 'GET /refunds') return send(res, { status: 200, body: [...refunds.values()] });
    const body = await readJson(req);
    if (!body) return send(res, problem(400, 'invalid_body', 'The body must be a JSON object of at most 16 KB.'));
    if (route === 'POST /control') return send(res, setControl(body));
    if (route !== 'POST /charges' && route !== 'POST /refunds')
      return send(res, problem(404, 'not_found', `No ${route}.`));

    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 8 || key.length > 255)
      return send(
        res,
        problem(400, 'idempotency_key_required', 'An Idempotency-Key header of 8 to 255 characters is required.'),
      );

    if (control.mode === 'down') {
      held.add(res);
      res.once('close', () => held.delete(res));
      return; // no answer: the caller's timeout decides
    }
    if (control.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, control.latencyMs));
    if (control.mode === 'error' || Math.random() < control.errorRate)
      return send(res, problem(500, 'processing_error', 'The provider failed; try again.'));

    const answerKey = `${route} ${key}`;
    const kept = answers.get(answerKey);
    if (kept) return send(res, kept);
    const answer = route === 'POST /charges' ? charge(key, body) : refund(body);
    if (answer.status < 500 && answer.status !== 400) answers.set(answerKey, answer);
    send(res, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log(`error: ${(error as Error).message}`);
      send(res, problem(500, 'internal', 'The sandbox failed.'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4010, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    control,
    charges: () => [...charges.values()],
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (import.meta.main) {
  const provider = await startPaymentProvider({
    port: Number(process.env.PAYMENT_PROVIDER_PORT ?? 4010),
    host: process.env.PAYMENT_PROVIDER_HOST ?? '127.0.0.1',
    log: (line) => console.log(line),
  });
  console.log(`payment provider sandbox at ${provider.url} (POST /control switches its failure modes)`);
  const stop = () => void provider.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
