// The id of an e-mail written for an event (a hash of the event's id: node:crypto, so not in domain/).
import { createHash } from 'node:crypto';

/** The namespace of e-mail ids derived from events (a random UUID, fixed once for this unit). */
const EMAIL_ID_NAMESPACE = Buffer.from('6f1d2c0e4b8a4e59a3c7d5b21e9f4a60', 'hex');

/**
 * The id of the e-mail written for an event: a name-based UUID (RFC 9562, version 5) of the
 * event's id, the same on every attempt. An e-mail sent before its transaction commits (see
 * use-cases/tell-order-outcome.ts) goes out again under the same Message-ID if that transaction
 * never commits (a crash just then), so a resend is recognisably the same message.
 */
export function emailIdFor(eventId: string): string {
  const hash = createHash('sha1').update(EMAIL_ID_NAMESPACE).update(eventId.toLowerCase()).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
