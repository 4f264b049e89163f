import { describe, expect, test } from 'vitest';
import { builtInRequirement, combineRequirements, type RequirementSource } from './approval.service.ts';

const ask = (pluginId: string, approvals: number, extra: Partial<RequirementSource> = {}): RequirementSource => ({
  pluginId,
  policyKey: 'p',
  approvals,
  roles: ['ADMIN', 'OPERATOR'],
  excludeAuthor: false,
  reason: null,
  ...extra,
});

describe('R-APPROVAL-1 built in, combined with plugin policies', () => {
  test('the built-in rule: one approval for a draft by a member without send permission, none for a sender', () => {
    expect(builtInRequirement('OPERATOR_NO_SEND')).toMatchObject({ approvals: 1, roles: ['ADMIN', 'OPERATOR'] });
    expect(builtInRequirement(null)).toMatchObject({ approvals: 1 }); // the author left: someone must approve
    expect(builtInRequirement('OPERATOR')).toMatchObject({ approvals: 0 });
  });

  test('the strictest wins on every axis: most approvals, narrowest roles, author excluded if anyone says so', () => {
    const combined = combineRequirements([builtInRequirement('OPERATOR'), ask('a', 2, { roles: ['ADMIN'] }), ask('b', 3, { excludeAuthor: true })]);
    expect(combined).toMatchObject({ requiredApprovals: 3, roles: ['ADMIN'], excludeAuthor: true });
    expect(combined.sources.map((s) => s.pluginId)).toEqual([null, 'a', 'b']);
  });

  test('with only the built-in rule nothing changes', () => {
    expect(combineRequirements([builtInRequirement('ADMIN')])).toMatchObject({ requiredApprovals: 0, roles: ['ADMIN', 'OPERATOR'], excludeAuthor: false });
  });
});
