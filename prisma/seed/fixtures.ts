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
