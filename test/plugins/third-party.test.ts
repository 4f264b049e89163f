import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPluginApp, type PluginKit } from './kit.ts';

// End to end: a plugin outside the bundled list, named by path in PLUGINS,
// importing only `dengon/plugin`, installed through the API like any other.
let kit: PluginKit;
beforeAll(async () => {
  kit = await startPluginApp({ plugin: 'shouting-guard', config: { maxUppercaseShare: 0.5 }, env: { PLUGINS: './test/plugins/fixtures/shouting-guard/index.ts' } });
});
afterAll(() => kit.close());

test('a third-party plugin loaded from a path is listed, installs, and its policy refuses what it should', async () => {
  const listed = await kit.gql(`{ availablePlugins { id version apiVersion description configSchema } }`, {}, kit.members.operator.token);
  expect(listed.data.availablePlugins).toContainEqual(
    expect.objectContaining({ id: 'shouting-guard', version: '1.2.0', apiVersion: 1, configSchema: expect.objectContaining({ type: 'object' }) }),
  );
  const loud = await kit.draft(kit.members.drafter.token, 'HUGE SALE TODAY ONLY');
  expect(await kit.submit(kit.members.drafter.token, loud)).toMatchObject({
    __typename: 'PluginRejectedError',
    pluginId: 'shouting-guard',
    reason: '100% capital letters (at most 50%)',
  });
  const calm = await kit.draft(kit.members.drafter.token, 'A calm note about our SALE');
  expect((await kit.submit(kit.members.drafter.token, calm)).data.status).toBe('PENDING_APPROVAL');
  expect((await kit.approve(kit.members.admin.token, calm)).data.status).toBe('APPROVED');
  expect((await kit.send(kit.members.admin.token, calm)).data.status).toBe('SENT');
});
