/** Who may see and change notifications. Pure: no I/O. */
import type { Identity } from '@commerce/service-kit';

/** A user sees their own notifications; staff see anyone's. */
export function maySeeNotificationsOf(identity: Identity, userId: string): boolean {
  if (identity.kind !== 'user') return false;
  return identity.role === 'STAFF' || identity.userId === userId;
}

/** Only the user it was sent to marks a notification read (staff reading it must not). */
export function mayMarkRead(identity: Identity, notification: { userId: string }): boolean {
  return identity.kind === 'user' && identity.userId === notification.userId;
}
