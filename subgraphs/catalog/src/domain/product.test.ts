import { describe, expect, it } from 'vitest';
import { checkNewProduct, checkPrice, MAX_PRICE_CENTS } from './product.ts';

const valid = { sku: 'MUG-001', name: 'Mug', priceCents: 1200, currency: 'EUR' };

describe('product rules', () => {
  it('accepts a well-formed product', () => {
    expect(checkNewProduct(valid)).toEqual([]);
  });

  it.each([-1, 1.5, MAX_PRICE_CENTS + 1])('rejects the price %d', (priceCents) => {
    expect(checkPrice(priceCents).map((p) => p.field)).toEqual(['priceCents']);
  });

  it('accepts a free product', () => {
    expect(checkPrice(0)).toEqual([]);
  });

  it.each(['mug-001', 'M', 'MUG 001', `M${'X'.repeat(40)}`])('rejects the SKU %j', (sku) => {
    expect(checkNewProduct({ ...valid, sku }).map((p) => p.field)).toEqual(['sku']);
  });

  it.each(['eur', 'EURO', ''])('rejects the currency %j', (currency) => {
    expect(checkNewProduct({ ...valid, currency }).map((p) => p.field)).toEqual(['currency']);
  });
});
