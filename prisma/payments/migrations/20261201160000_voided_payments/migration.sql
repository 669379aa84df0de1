-- A payment that was never charged because its order was cancelled first (also the tombstone a
-- cancel leaves before the charge request arrives).
ALTER TYPE "PaymentStatus" ADD VALUE 'VOIDED';

-- The saga refunds the charge of a cancelled order itself: no staff member asked for it.
ALTER TABLE "refunds" ALTER COLUMN "requested_by" DROP NOT NULL;

-- The provider's id for the refund.
ALTER TABLE "refunds" ADD COLUMN "provider_reference" TEXT;
