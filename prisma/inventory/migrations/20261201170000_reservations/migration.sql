-- AlterEnum
ALTER TYPE "AdjustmentReason" ADD VALUE 'SALE';
ALTER TYPE "AdjustmentReason" ADD VALUE 'RETURN';

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('RESERVED', 'REJECTED', 'RELEASED', 'COMMITTED', 'RETURNED', 'CANCELLED_BEFORE_RESERVATION');

-- AlterTable
ALTER TABLE "stock_adjustments" ADD COLUMN     "order_id" UUID;

-- CreateTable
CREATE TABLE "reservations" (
    "order_id" UUID NOT NULL,
    "status" "ReservationStatus" NOT NULL,
    "lines" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("order_id")
);

-- The last safeguard behind the use cases: whatever a bug or a race does, the database never
-- holds negative stock nor promises more than is on hand. Not part of schema.prisma (Prisma does
-- not model CHECK constraints); the drift check ignores it.
ALTER TABLE "stock_items" ADD CONSTRAINT "stock_items_levels_check"
    CHECK ("reserved" >= 0 AND "reserved" <= "on_hand" AND "on_hand" >= 0);
