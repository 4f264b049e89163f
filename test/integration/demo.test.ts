import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/demo.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

test('npm run demo: one member of each role, each with a working token; running it twice reuses them', async () => {
  const deps = { db: app.db, clock: app.clock, config: app.config, logger: createLogger('silent') };
  await seedDemo(deps);
  const sheet = await seedDemo(deps);
  const tokens = [...sheet.matchAll(/^\s+(\w+)\s+\S+@demo\.dengon\.dev\s+(dgn_\S+)$/gm)].map((m) => ({ role: m[1], token: m[2]! }));
  expect(tokens.map((t) => t.role)).toEqual(['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS']);
  for (const { role, token } of tokens) {
    const res = await app.gql(`{ viewer { memberships { role account { name memberCount } } } }`, {}, token);
    expect(res.data.viewer.memberships).toEqual([{ role, account: { name: 'Dengon Demo Cafe', memberCount: 4 } }]);
  }
  expect(await app.db.prisma.account.count({ where: { name: 'Dengon Demo Cafe' } })).toBe(1);
});
