/**
 * The payment provider, as payments calls it: each request behind a timeout; transient failures
 * (5xx, timeouts, refused connections) retried with exponential backoff and jitter; a circuit
 * breaker (cockatiel) around every request. While the circuit is open a call waits until the
 * breaker lets a trial through, then tries again: charges are delayed, never failed in bulk. A
 * refusal (402 declined, other 4xx) is an answer, not a failure: never retried, and it counts as
 * the provider being up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  TaskCancelledError,
} from 'cockatiel';
import type { ProviderSettings } from './config.ts';
import type { RefundAnswer } from './domain/payment.ts';
import { afterTransientFailure, classifyStatus, waitForCircuit } from './domain/provider-rules.ts';

export type ChargeAnswer =
  | { kind: 'captured'; providerReference: string }
  | { kind: 'declined'; reason: string }
  | { kind: 'refused'; reason: string };

/** The provider failed in a way a later try may not (5xx, no answer in time, no connection). */
export class TransientProviderError extends Error {
  override name = 'TransientProviderError';
}

/** A call gave up after its tries: thrown, so the consumer retries the event later. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

export type CallOptions = {
  /** Aborts when the consumer stops: a waiting or running call gives up at once. */
  signal: AbortSignal;
  /**
   * Runs right before each request goes out (inside the breaker, so only for a request that is
   * really sent). Payments counts the attempt there and stops a charge whose order was cancelled.
   */
  beforeRequest?: () => Promise<void>;
};

type Answer = { class: 'ok' | 'declined' | 'refused'; body: Record<string, unknown> };

const circuitStates: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

function reasonOf(body: Record<string, unknown>, fallback: string): string {
  const error = body.error as { message?: unknown; code?: unknown } | undefined;
  if (typeof error?.message === 'string' && error.message.length > 0)
    return typeof error.code === 'string' ? `${error.message} (${error.code})` : error.message;
  return fallback;
}

/** Sleeps, or throws the signal's reason (the consumer stopping) as soon as it aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}

export function createProviderClient(settings: ProviderSettings, options: { random?: () => number } = {}) {
  const random = options.random ?? Math.random;
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof TransientProviderError),
    { halfOpenAfter: settings.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(settings.breakerFailures) },
  );
  let openedAt = 0;
  const counts = { opened: 0, waiting: 0 };
  const requests: Record<'ok' | 'declined' | 'refused' | 'transient', number> = {
    ok: 0,
    declined: 0,
    refused: 0,
    transient: 0,
  };
  breaker.onBreak(() => {
    openedAt = Date.now();
    counts.opened += 1;
  });

  /** One HTTP request; throws TransientProviderError for what a retry may mend. */
  async function send(path: string, key: string, body: unknown, signal: AbortSignal): Promise<Answer> {
    let response: Response;
    let text: string;
    try {
      // No body: a read (GET), which changes nothing at the provider and needs no key.
      response = await fetch(`${settings.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': key },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason; // the consumer is stopping: not the provider's fault
      requests.transient += 1;
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
      const what =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${settings.timeoutMs} ms`
          : `${(error as Error).message}${cause ? ` (${cause})` : ''}`;
      throw new TransientProviderError(`payment provider ${path}: ${what}`, { cause: error });
    }
    const answer = classifyStatus(response.status);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      if (answer === 'ok') {
        requests.transient += 1;
        throw new TransientProviderError(`payment provider ${path}: an answer that is not JSON`);
      }
    }
    requests[answer] += 1;
    if (answer === 'transient')
      throw new TransientProviderError(`payment provider ${path}: ${response.status} ${reasonOf(parsed, '')}`.trim());
    return { class: answer, body: parsed };
  }

  /** A request until it has an answer: retried while transient, waiting while the circuit is open. */
  async function call(path: string, key: string, body: unknown, { signal, beforeRequest }: CallOptions) {
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      const open = breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated;
      const waitMs = open ? waitForCircuit(openedAt, settings.breakerHalfOpenAfterMs, Date.now(), random) : 0;
      if (waitMs > 0) {
        counts.waiting += 1;
        try {
          await pause(waitMs, signal);
        } finally {
          counts.waiting -= 1;
        }
        continue;
      }
      // A failure counts towards giving up only while the circuit was closed: a trial call of a
      // half-open circuit that fails sends this call back to waiting, with its tries intact.
      const counted = breaker.state === CircuitState.Closed;
      // While half-open the breaker holds every call but its trial until it decides: waiting too.
      let held = !counted;
      if (held) counts.waiting += 1;
      const letGo = () => {
        if (held) counts.waiting -= 1;
        held = false;
      };
      try {
        return await breaker.execute(async () => {
          letGo();
          await beforeRequest?.();
          return send(path, key, body, signal);
        }, signal);
      } catch (error) {
        letGo();
        if (error instanceof BrokenCircuitError) continue; // opened meanwhile: wait for it
        if (error instanceof TaskCancelledError) throw signal.reason ?? error;
        if (!(error instanceof TransientProviderError)) throw error;
        if (counted) failures += 1;
        const next = afterTransientFailure(failures, settings, random);
        if (!next.retry)
          throw new ProviderUnavailableError(`${error.message} (gave up after ${failures} tries)`, { cause: error });
        await pause(next.delayMs, signal);
      }
    }
  }

  return {
    /** Charges once per idempotency key, however often it is called. */
    async charge(
      request: { idempotencyKey: string; amountCents: number; currency: string; reference: string },
      options: CallOptions,
    ): Promise<ChargeAnswer> {
      const { idempotencyKey, ...body } = request;
      const answer = await call('/charges', idempotencyKey, body, options);
      if (answer.class === 'ok') {
        const id = answer.body.id;
        if (typeof id !== 'string' || id.length === 0)
          throw new TransientProviderError('payment provider /charges: a capture without a charge id');
        return { kind: 'captured', providerReference: id };
      }
      return { kind: answer.class, reason: reasonOf(answer.body, 'The provider refused the charge.') };
    },

    /**
     * The charge the provider captured for `reference` (our order id), if any: a read, so asking
     * creates nothing. How a voided payment whose requests went out learns whether one of them
     * captured (asking again with the charge's key would charge now, the provider having never
     * seen the first request).
     */
    async capturedFor(reference: string, options: CallOptions): Promise<string | undefined> {
      const answer = await call(`/charges?reference=${encodeURIComponent(reference)}`, '', undefined, options);
      const list = (answer.body as unknown as Array<{ id?: unknown; status?: unknown }>) ?? [];
      const captured = Array.isArray(list) ? list.find((charge) => charge.status === 'captured') : undefined;
      return typeof captured?.id === 'string' ? captured.id : undefined;
    },

    /** Gives back `amountCents` of a charge, once per idempotency key. */
    async refund(
      request: { idempotencyKey: string; chargeId: string; amountCents: number },
      options: CallOptions,
    ): Promise<RefundAnswer> {
      const { idempotencyKey, ...body } = request;
      const answer = await call('/refunds', idempotencyKey, body, options);
      if (answer.class === 'ok' && typeof answer.body.id === 'string')
        return { kind: 'refunded', providerRefundId: answer.body.id };
      return { kind: 'refused', reason: reasonOf(answer.body, 'The provider refused the refund.') };
    },

    circuitState: () => circuitStates[breaker.state],

    /** The breaker and the requests, as Prometheus text for the unit's /metrics. */
    metrics(): string {
      const state = circuitStates[breaker.state];
      const lines = [
        '# HELP payments_provider_circuit_state The circuit breaker around the payment provider: 1 for its current state.',
        '# TYPE payments_provider_circuit_state gauge',
        ...Object.values(circuitStates).map(
          (name) => `payments_provider_circuit_state{unit="payments",state="${name}"} ${name === state ? 1 : 0}`,
        ),
        '# HELP payments_provider_circuit_opened_total Times the circuit opened since the process started.',
        '# TYPE payments_provider_circuit_opened_total counter',
        `payments_provider_circuit_opened_total{unit="payments"} ${counts.opened}`,
        '# HELP payments_provider_calls_waiting Calls waiting for the open circuit to let them through.',
        '# TYPE payments_provider_calls_waiting gauge',
        `payments_provider_calls_waiting{unit="payments"} ${counts.waiting}`,
        '# HELP payments_provider_requests_total Requests sent to the provider, by what came of them.',
        '# TYPE payments_provider_requests_total counter',
        ...Object.entries(requests).map(
          ([outcome, n]) => `payments_provider_requests_total{unit="payments",outcome="${outcome}"} ${n}`,
        ),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}

export type ProviderClient = ReturnType<typeof createProviderClient>;
