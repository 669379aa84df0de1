import { describe, expect, it } from 'vitest';
import { mayMarkRead, maySeeNotificationsOf } from './notification.ts';

const ada = { kind: 'user' as const, userId: 'a0000000-0000-4000-a000-000000000001', role: 'CUSTOMER' as const };
const staff = { kind: 'user' as const, userId: 'a0000000-0000-4000-a000-000000000003', role: 'STAFF' as const };

describe('notification rules', () => {
  it('a user sees their own notifications, staff see anyone’s, others none', () => {
    expect(maySeeNotificationsOf(ada, ada.userId)).toBe(true);
    expect(maySeeNotificationsOf(staff, ada.userId)).toBe(true);
    expect(maySeeNotificationsOf(ada, staff.userId)).toBe(false);
    expect(maySeeNotificationsOf({ kind: 'anonymous' }, ada.userId)).toBe(false);
  });

  it('only the user it was sent to marks it read, not staff', () => {
    expect(mayMarkRead(ada, { userId: ada.userId })).toBe(true);
    expect(mayMarkRead(staff, { userId: ada.userId })).toBe(false);
  });
});
