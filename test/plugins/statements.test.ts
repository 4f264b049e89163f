import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPluginApp, type PluginKit } from './kit.ts';

// An enabled plugin costs its own work, not extra reads of rows the step has
// already read: the installations, the account and the author's role are
// read once per transaction however many policies and hooks ask for them.
let kit: PluginKit;
beforeAll(async () => {
  kit = await startPluginApp({ plugin: 'content-check', config: { bannedWords: ['forbidden'] } });
});
afterAll(() => kit.close());

async function submitStatements(): Promise<string[]> {
  const id = await kit.draft(kit.members.drafter.token, 'New menu from Monday');
  kit.app.queries.length = 0;
  const res = await kit.submit(kit.members.drafter.token, id);
  expect(res.__typename).toBe('MutationSubmitDraftSuccess');
  return kit.app.queries.filter((q) => !/^(BEGIN|COMMIT|ROLLBACK|-- Implicit)/i.test(q.trim()));
}

test('submitDraft takes as many statements with content-check enabled as with it disabled', async () => {
  const enabled = await submitStatements();
  expect((await kit.setEnabled(false)).__typename).toBe('MutationDisablePluginSuccess');
  const disabled = await submitStatements();
  expect(enabled).toHaveLength(disabled.length);
  expect(enabled.filter((q) => q.includes('"PluginInstallation"'))).toHaveLength(1);
  // The author's role comes with the account row, not from a query of its own.
  expect(enabled.filter((q) => q.includes('FROM "public"."Member" AS "t0"'))).toHaveLength(0);
});
