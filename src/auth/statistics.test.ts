import { describe, expect, test } from 'vitest';
import type { Role } from '../generated/prisma/enums.ts';
import { canReadStatistic, defineAbilityFor, redactStatistics } from './ability.ts';
import { STATISTICS, type StatisticSubject, statisticNames } from './statistics.ts';

const abilityOf = (role: Role) => defineAbilityFor({ userId: 'u1', email: 'u1@example.test', memberships: [{ accountId: 'a1', role }] });
const every = (Object.keys(STATISTICS) as StatisticSubject[]).flatMap((subject) => statisticNames(subject).map((name) => [subject, name] as const));

describe('R-STATS-1: the read policy over the declared statistics', () => {
  test.each(['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND'] as const)('R-STATS-1: %s reads every statistic of its own account, none of another', (role) => {
    const ability = abilityOf(role);
    for (const [subject, name] of every) {
      expect(canReadStatistic(ability, subject, { accountId: 'a1' }, name), `${subject}.${name}`).toBe(true);
      expect(canReadStatistic(ability, subject, { accountId: 'a2' }, name), `${subject}.${name} elsewhere`).toBe(false);
    }
  });

  test('R-STATS-1: OPERATOR_NO_SEND_NO_STATS reads none, yet still reads the rows that carry them', () => {
    const ability = abilityOf('OPERATOR_NO_SEND_NO_STATS');
    for (const [subject, name] of every) expect(canReadStatistic(ability, subject, { accountId: 'a1' }, name), `${subject}.${name}`).toBe(false);
    expect(ability.can('read', 'Delivery')).toBe(true);
    expect(canReadStatistic(ability, 'Delivery', { accountId: 'a1' }, 'title')).toBe(true);
  });

  test('R-STATS-1: an object without its accountId shows no statistics, even to an ADMIN', () => {
    expect(canReadStatistic(abilityOf('ADMIN'), 'Delivery', {}, 'recipientCount')).toBe(false);
  });

  test('R-STATS-1: redactStatistics strips the subject\'s statistic keys only, and only for roles without statistics', () => {
    const data = { from: 'DRAFT', status: 'SENDING', revision: 1, targets: 3, quotaUnitsReserved: 3 };
    expect(redactStatistics(abilityOf('OPERATOR_NO_SEND_NO_STATS'), 'Delivery', { accountId: 'a1' }, data)).toEqual({ from: 'DRAFT', status: 'SENDING', revision: 1 });
    expect(redactStatistics(abilityOf('OPERATOR'), 'Delivery', { accountId: 'a1' }, data)).toBe(data);
    // Another subject's names are not this one's statistics; non-objects pass.
    expect(redactStatistics(abilityOf('OPERATOR_NO_SEND_NO_STATS'), 'Member', { accountId: 'a1' }, { targets: 1 })).toEqual({ targets: 1 });
    expect(redactStatistics(abilityOf('OPERATOR_NO_SEND_NO_STATS'), 'Delivery', { accountId: 'a1' }, [1, 2])).toEqual([1, 2]);
    expect(data).toEqual({ from: 'DRAFT', status: 'SENDING', revision: 1, targets: 3, quotaUnitsReserved: 3 });
  });
});
