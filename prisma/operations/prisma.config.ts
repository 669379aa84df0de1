import { defineUnitPrismaConfig } from '../tools/unit-prisma-config.ts';

export default defineUnitPrismaConfig('operations');
