-- CreateTable
CREATE TABLE "product_availability" (
    "product_id" UUID NOT NULL,
    "available" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_availability_pkey" PRIMARY KEY ("product_id")
);
