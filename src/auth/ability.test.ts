import { describe, expect, test } from 'vitest';
import { accessibleWhere, can, defineAbilityFor, defineFriendAbility } from './ability.ts';

const accountId = '00000000-0000-4000-8000-00000000000a';
const friendId = '00000000-0000-4000-8000-00000000000f';
const chatId = '00000000-0000-4000-8000-00000000000c';
const FRIEND_SIDE = ['FriendSelf', 'FriendChat', 'FriendMessage'];

describe('the friend ability (issue 13: friend-side isolation)', () => {
  const ability = defineFriendAbility({ friendId, chatId });

  test('R-INBOX-2: every rule it has is on a friend-side subject; nothing on any member-side one', () => {
    expect(ability.rules.length).toBeGreaterThan(0);
    for (const rule of ability.rules) expect(FRIEND_SIDE).toContain(rule.subject);
    for (const subject of ['Friend', 'Chat', 'Message', 'User', 'Account', 'Member', 'Delivery', 'ChatTag', 'AuditEvent'] as const) {
      expect(can(ability, 'read', subject, { id: friendId, accountId, friendId, chatId } as never)).toBe(false);
      expect(accessibleWhere(ability, 'read', subject)).toEqual({ id: { in: [] } });
    }
  });

  test('R-RECALL-4: it reads its own chat\'s messages, and reports only what the account sent', () => {
    expect(can(ability, 'read', 'FriendMessage', { chatId, direction: 'INCOMING' })).toBe(true);
    expect(can(ability, 'read', 'FriendMessage', { chatId: accountId, direction: 'OUTGOING' })).toBe(false);
    expect(can(ability, 'report', 'FriendMessage', { chatId, direction: 'OUTGOING' })).toBe(true);
    expect(can(ability, 'report', 'FriendMessage', { chatId, direction: 'INCOMING' })).toBe(false);
  });

  test('R-DELETE-1: a message hidden by the account stays readable for the friend', () => {
    expect(can(ability, 'read', 'FriendMessage', { chatId, hiddenForAccountAt: new Date() })).toBe(true);
  });
});

describe('R-DELETE-1: reading a hidden message needs ADMIN, in SQL and in memory alike', () => {
  const as = (role: 'ADMIN' | 'OPERATOR' | 'OPERATOR_NO_SEND' | 'OPERATOR_NO_SEND_NO_STATS') =>
    defineAbilityFor({ userId: 'u', email: 'u@example.test', memberships: [{ accountId, role }] });
  const hidden = { accountId, hiddenForAccountAt: new Date() };

  test.each(['OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)('%s: not a hidden one, a visible one yes', (role) => {
    expect(can(as(role), 'read', 'Message', hidden)).toBe(false);
    expect(can(as(role), 'read', 'Message', { accountId, hiddenForAccountAt: null })).toBe(true);
    expect(JSON.stringify(accessibleWhere(as(role), 'read', 'Message'))).toContain('"hiddenForAccountAt":null');
  });

  test('ADMIN: hidden ones too', () => {
    expect(can(as('ADMIN'), 'read', 'Message', hidden)).toBe(true);
    expect(JSON.stringify(accessibleWhere(as('ADMIN'), 'read', 'Message'))).not.toContain('hiddenForAccountAt');
  });

  test('members get nothing on friend-side subjects', () => {
    for (const subject of FRIEND_SIDE) expect(accessibleWhere(as('ADMIN'), 'read', subject as 'FriendMessage')).toEqual({ id: { in: [] } });
  });
});
