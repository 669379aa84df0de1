-- CreateEnum
CREATE TYPE "StaffActionKind" AS ENUM ('RETRY_DEAD_LETTER', 'DISCARD_DEAD_LETTER');

-- CreateEnum
CREATE TYPE "StaffActionOutcome" AS ENUM ('REQUESTED', 'DONE', 'NOT_FOUND');

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" "StaffActionKind" NOT NULL,
    "dead_letter_id" TEXT NOT NULL,
    "reason" TEXT,
    "outcome" "StaffActionOutcome" NOT NULL DEFAULT 'REQUESTED',
    "queue" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_entries_created_at_id_idx" ON "audit_entries"("created_at" DESC, "id" DESC);
