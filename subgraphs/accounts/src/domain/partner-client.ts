/** Rules for partner clients. Pure: no I/O, so every rule is unit-tested on its own. */

export const PARTNER_NAME_MAX_LENGTH = 100;
export const PARTNER_KEY_MARK = 'cpk_';
/** The mark and 8 characters of the secret part: enough to tell keys apart, useless to call with. */
const PREFIX_LENGTH = PARTNER_KEY_MARK.length + 8;

/** What staff see of a key after it was issued. */
export function keyPrefixOf(apiKey: string): string {
  return apiKey.slice(0, PREFIX_LENGTH);
}

/** A partner's name, trimmed, or the reason it is refused. */
export function checkPartnerName(name: string): { ok: true; name: string } | { ok: false; message: string } {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > PARTNER_NAME_MAX_LENGTH) {
    return { ok: false, message: `Enter a partner name of 1 to ${PARTNER_NAME_MAX_LENGTH} characters.` };
  }
  return { ok: true, name: trimmed };
}
