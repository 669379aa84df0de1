import { createHash } from 'node:crypto';

/**
 * The demo shop every fresh system starts with (local use only: these passwords are public).
 * Ids are derived from natural keys, so each unit seeds its own database and they still agree.
 */
export function stableId(kind: string, key: string): string {
  const hex = createHash('sha256').update(`${kind}:${key}`).digest('hex');
  // Shaped as a version-4-style UUID so it passes every UUID check.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const USERS = [
  { email: 'staff@example.com', name: 'Sam Staff', role: 'STAFF', password: 'staff-password' },
  { email: 'ada@example.com', name: 'Ada Lovelace', role: 'CUSTOMER', password: 'customer-password' },
  { email: 'grace@example.com', name: 'Grace Hopper', role: 'CUSTOMER', password: 'customer-password' },
] as const;

export const CATEGORIES = [
  { slug: 'kitchen', name: 'Kitchen', description: 'Things for cooking and coffee.' },
  { slug: 'desk', name: 'Desk', description: 'Things for a tidy workspace.' },
  { slug: 'outdoor', name: 'Outdoor', description: 'Things for walks and trips.' },
  { slug: 'books', name: 'Books', description: 'Paper, ink and ideas.' },
] as const;

type Category = (typeof CATEGORIES)[number]['slug'];
const product = (
  sku: string,
  name: string,
  priceCents: number,
  category: Category,
  onHand: number,
  description: string,
) => ({
  id: stableId('product', sku),
  sku,
  name,
  priceCents,
  currency: 'EUR',
  category,
  onHand,
  description,
});

export const PRODUCTS = [
  product('KIT-MUG-01', 'Stoneware mug', 1400, 'kitchen', 120, 'Holds 350 ml; dishwasher safe.'),
  product('KIT-PRS-01', 'French press', 3200, 'kitchen', 40, 'One litre, borosilicate glass.'),
  product('KIT-GRN-01', 'Hand coffee grinder', 5900, 'kitchen', 25, 'Ceramic burrs, 40 settings.'),
  product('KIT-KTL-01', 'Gooseneck kettle', 4900, 'kitchen', 30, 'For slow, even pouring.'),
  product('KIT-SCL-01', 'Kitchen scale', 2500, 'kitchen', 60, 'To the gram, up to 5 kg.'),
  product('KIT-TWL-01', 'Linen tea towel', 900, 'kitchen', 200, 'Pure linen, grows softer with use.'),
  product('DSK-LMP-01', 'Desk lamp', 7900, 'desk', 35, 'Warm light, dimmable.'),
  product('DSK-NTB-01', 'Dot-grid notebook', 1800, 'desk', 300, 'A5, 160 pages.'),
  product('DSK-PEN-01', 'Fountain pen', 4500, 'desk', 50, 'Steel nib, converter included.'),
  product('DSK-INK-01', 'Bottle of ink', 1200, 'desk', 80, 'Blue-black, 50 ml.'),
  product('DSK-STD-01', 'Laptop stand', 5500, 'desk', 45, 'Aluminium, folds flat.'),
  product('DSK-MAT-01', 'Felt desk mat', 3900, 'desk', 70, 'Wool felt, 80 by 40 cm.'),
  product('OUT-BTL-01', 'Steel water bottle', 2900, 'outdoor', 150, 'Keeps cold for a day.'),
  product('OUT-BAG-01', 'Day pack', 8900, 'outdoor', 20, '20 litres, water resistant.'),
  product('OUT-HAT-01', 'Wool beanie', 2400, 'outdoor', 90, 'Merino, one size.'),
  product('OUT-LMP-01', 'Head torch', 3500, 'outdoor', 55, '300 lumens, rechargeable.'),
  product('OUT-MAP-01', 'Map case', 1900, 'outdoor', 3, 'Waterproof, A4.'),
  product('OUT-FLK-01', 'Vacuum flask', 3300, 'outdoor', 65, 'Half a litre, hot for 12 hours.'),
  product('BOK-DDD-01', 'Domain-Driven Design', 5200, 'books', 15, 'Tackling complexity in the heart of software.'),
  product(
    'BOK-DDI-01',
    'Designing Data-Intensive Applications',
    4800,
    'books',
    18,
    'The big ideas behind reliable systems.',
  ),
  product('BOK-RMS-01', 'Release It!', 3900, 'books', 12, 'Design and deploy production-ready software.'),
  product('BOK-BMS-01', 'Building Microservices', 4600, 'books', 1, 'Designing fine-grained systems.'),
  product('BOK-EIP-01', 'Enterprise Integration Patterns', 5600, 'books', 9, 'Designing messaging solutions.'),
  product('BOK-SRE-01', 'Site Reliability Engineering', 4200, 'books', 0, 'How Google runs production systems.'),
];

export const userId = (email: string) => stableId('user', email);

type SeedStatus = 'PENDING' | 'AWAITING_PAYMENT' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
type PaymentOutcome = 'CAPTURED' | 'FAILED' | 'PENDING' | null;

const DAY = 24 * 60 * 60 * 1000;
const SEEDED_AT = Date.parse('2026-11-01T10:00:00Z');

function seededOrder(
  key: string,
  customer: string,
  status: SeedStatus,
  daysAgo: number,
  lines: Array<[string, number]>,
  payment: PaymentOutcome,
) {
  const items = lines.map(([sku, quantity], position) => {
    const product = PRODUCTS.find((candidate) => candidate.sku === sku);
    if (!product) throw new Error(`seed order ${key} names unknown SKU ${sku}`);
    return { productId: product.id, quantity, unitPriceCents: product.priceCents, position };
  });
  return {
    id: stableId('order', key),
    customerEmail: customer,
    status,
    createdAt: new Date(SEEDED_AT - daysAgo * DAY),
    items,
    totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
    currency: 'EUR',
    payment,
  };
}

/** Orders in every state, so a new user sees a living system. */
export const ORDERS = [
  seededOrder(
    'ada-1',
    'ada@example.com',
    'CONFIRMED',
    30,
    [
      ['KIT-MUG-01', 2],
      ['BOK-DDD-01', 1],
    ],
    'CAPTURED',
  ),
  seededOrder('ada-2', 'ada@example.com', 'CANCELLED', 21, [['OUT-BAG-01', 1]], 'FAILED'),
  seededOrder('ada-3', 'ada@example.com', 'REJECTED', 14, [['BOK-SRE-01', 1]], null),
  seededOrder(
    'ada-4',
    'ada@example.com',
    'CONFIRMED',
    7,
    [
      ['DSK-PEN-01', 1],
      ['DSK-INK-01', 2],
    ],
    'CAPTURED',
  ),
  seededOrder('ada-5', 'ada@example.com', 'AWAITING_PAYMENT', 1, [['DSK-LMP-01', 1]], 'PENDING'),
  seededOrder(
    'ada-6',
    'ada@example.com',
    'PENDING',
    0,
    [
      ['KIT-PRS-01', 1],
      ['KIT-GRN-01', 1],
    ],
    null,
  ),
  seededOrder(
    'grace-1',
    'grace@example.com',
    'CONFIRMED',
    10,
    [
      ['BOK-DDI-01', 1],
      ['OUT-BTL-01', 1],
    ],
    'CAPTURED',
  ),
  seededOrder('grace-2', 'grace@example.com', 'CANCELLED', 3, [['OUT-LMP-01', 2]], 'FAILED'),
  seededOrder('grace-3', 'grace@example.com', 'AWAITING_PAYMENT', 0, [['DSK-NTB-01', 3]], 'PENDING'),
];

/** The steps each final state went through, in order, as the saga records them. */
export const TIMELINES: Record<SeedStatus, Array<[step: string, detail: string]>> = {
  PENDING: [['PLACED', 'Order placed; reserving stock.']],
  AWAITING_PAYMENT: [
    ['PLACED', 'Order placed; reserving stock.'],
    ['STOCK_RESERVED', 'Every item reserved.'],
  ],
  CONFIRMED: [
    ['PLACED', 'Order placed; reserving stock.'],
    ['STOCK_RESERVED', 'Every item reserved.'],
    ['PAYMENT_CAPTURED', 'The payment provider took the payment.'],
    ['CONFIRMED', 'Order confirmed.'],
  ],
  REJECTED: [
    ['PLACED', 'Order placed; reserving stock.'],
    ['STOCK_REJECTED', 'Not enough stock for every item.'],
  ],
  CANCELLED: [
    ['PLACED', 'Order placed; reserving stock.'],
    ['STOCK_RESERVED', 'Every item reserved.'],
    ['PAYMENT_FAILED', 'The payment provider refused the card.'],
    ['STOCK_RELEASED', 'Reserved stock given back.'],
    ['CANCELLED', 'Order cancelled.'],
  ],
};

/** What customers were told of each finished order: in the app and by e-mail. */
export const OUTCOME_MESSAGES: Partial<Record<SeedStatus, { kind: string; title: string; body: string }>> = {
  CONFIRMED: {
    kind: 'ORDER_CONFIRMED',
    title: 'Your order is confirmed',
    body: 'We took the payment and will ship soon.',
  },
  CANCELLED: {
    kind: 'ORDER_CANCELLED',
    title: 'Your order was cancelled',
    body: 'The payment did not go through; nothing was charged.',
  },
  REJECTED: { kind: 'ORDER_REJECTED', title: 'We could not take your order', body: 'Some items are out of stock.' },
};
