import { newestFirst, type Page, type PageRequest } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { AuditEntry } from '../generated/prisma/client.ts';

export type AuditLogPage = Page<AuditEntry>;

const auditLog = newestFirst('audit entries');

/** Staff actions, newest first, paged by (createdAt, id). */
export async function listAuditLog(db: Db, request: PageRequest): Promise<AuditLogPage> {
  const page = auditLog.parse(request);
  const rows = await db.auditEntry.findMany({
    where: auditLog.after(page.after),
    orderBy: auditLog.orderBy,
    take: page.take,
  });
  return auditLog.toPage(rows, page, () => db.auditEntry.count());
}
