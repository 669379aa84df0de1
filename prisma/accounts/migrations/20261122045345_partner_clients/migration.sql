-- CreateTable
CREATE TABLE "partner_clients" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),
    "created_by_id" UUID NOT NULL,

    CONSTRAINT "partner_clients_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "partner_clients_key_hash_key" ON "partner_clients"("key_hash");

-- AddForeignKey
ALTER TABLE "partner_clients" ADD CONSTRAINT "partner_clients_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
