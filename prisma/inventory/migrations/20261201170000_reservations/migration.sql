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
-- holds negative stock nor promises more than is on hand. A trigger rather than a CHECK
-- constraint: Prisma does not model either, and its offline schema engine fails on a CHECK when
-- `migrate dev` diffs the schema (triggers it leaves alone, as the drift check does).
CREATE FUNCTION stock_items_levels_check() RETURNS trigger AS $$
BEGIN
  IF NEW.reserved < 0 OR NEW.reserved > NEW.on_hand OR NEW.on_hand < 0 THEN
    RAISE EXCEPTION 'stock_items_levels_check: on hand % and reserved % break 0 <= reserved <= on hand',
      NEW.on_hand, NEW.reserved USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER stock_items_levels_check BEFORE INSERT OR UPDATE ON stock_items
  FOR EACH ROW EXECUTE FUNCTION stock_items_levels_check();
