/** Rules for what the catalog accepts. Pure, so each rule is unit-tested on its own. */

export const MAX_PRICE_CENTS = 100_000_000; // one million in major units: beyond it, a typo
const SKU = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
const CURRENCY = /^[A-Z]{3}$/;

export type Problem = { field: string; message: string };

export function checkPrice(priceCents: number): Problem[] {
  if (!Number.isInteger(priceCents) || priceCents < 0 || priceCents > MAX_PRICE_CENTS) {
    return [{ field: 'priceCents', message: `A price is a whole number of cents from 0 to ${MAX_PRICE_CENTS}.` }];
  }
  return [];
}

export type NewProduct = {
  sku: string;
  name: string;
  description?: string | null;
  priceCents: number;
  currency: string;
};

export function checkNewProduct(product: NewProduct): Problem[] {
  const problems: Problem[] = [];
  if (!SKU.test(product.sku)) {
    problems.push({ field: 'sku', message: 'A SKU is 3 to 32 capital letters, digits or dashes, e.g. MUG-001.' });
  }
  const name = product.name.trim();
  if (name.length === 0 || name.length > 200)
    problems.push({ field: 'name', message: 'A name is 1 to 200 characters.' });
  if ((product.description?.length ?? 0) > 5000) {
    problems.push({ field: 'description', message: 'A description is at most 5000 characters.' });
  }
  if (!CURRENCY.test(product.currency)) {
    problems.push({ field: 'currency', message: 'A currency is an ISO 4217 code such as EUR.' });
  }
  return [...problems, ...checkPrice(product.priceCents)];
}
