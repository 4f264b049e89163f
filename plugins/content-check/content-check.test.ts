import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPluginApp, type PluginKit } from '../../test/plugins/kit.ts';
import { findings } from './index.ts';

describe('content-check: what it matches', () => {
  const config = { bannedWords: ['Guaranteed', 'free money'], allowedDomains: ['dengon.example'] };
  test('banned words match case-insensitively in the title and every text of the content', () => {
    expect(findings({ title: 'Autumn', content: { type: 'text', text: 'GUARANTEED results' } }, config).words).toEqual(['Guaranteed']);
    expect(findings({ title: 'Free Money inside', content: { type: 'card', actions: [{ label: 'ok' }] } }, config).words).toEqual(['free money']);
    expect(findings({ title: 'Clean', content: { type: 'text', text: 'Nothing to see' } }, config)).toEqual({ words: [], urls: [] });
  });

  test('links must point to an allowed domain or its subdomains', () => {
    const content = { type: 'text', text: 'See https://dengon.example/menu, https://shop.dengon.example/x and http://evil.example/phish' };
    expect(findings({ title: 't', content }, config).urls).toEqual(['http://evil.example/phish']);
    expect(findings({ title: 't', content: { type: 'text', text: 'https://dengon.example.evil.test/' } }, config).urls).toHaveLength(1);
    expect(findings({ title: 't', content }, { ...config, allowedDomains: null }).urls).toEqual([]);
  });
});

describe('content-check on an account', () => {
  let kit: PluginKit;
  beforeAll(async () => {
    kit = await startPluginApp({ plugin: 'content-check', config: { bannedWords: ['guaranteed'], allowedDomains: ['dengon.example'] } });
  });
  afterAll(() => kit.close());

  test('onMatch reject: the submit is refused and the reason names the matched terms', async () => {
    const id = await kit.draft(kit.members.drafter.token, 'Guaranteed win at https://evil.example/x');
    expect(await kit.submit(kit.members.drafter.token, id)).toMatchObject({
      __typename: 'PluginRejectedError',
      pluginId: 'content-check',
      reason: 'banned words: guaranteed; links outside the allow-list: https://evil.example/x',
      details: { matchedWords: ['guaranteed'], matchedUrls: ['https://evil.example/x'] },
    });
    // A sender's direct send is checked just the same.
    const direct = await kit.draft(kit.members.admin.token, 'guaranteed');
    expect(await kit.send(kit.members.admin.token, direct)).toMatchObject({ code: 'PLUGIN_REJECTED', pluginId: 'content-check', step: 'send' });
  });

  test('onMatch requireApproval: a flagged delivery needs an approval from someone other than the author', async () => {
    await kit.configure({ onMatch: 'requireApproval', approvals: 1 });
    const { admin, operator } = kit.members;
    const flagged = await kit.draft(admin.token, 'Guaranteed freshness');
    expect(await kit.send(admin.token, flagged)).toMatchObject({ code: 'APPROVAL_REQUIRED', required: 1, requestedBy: ['content-check'] });
    await kit.submit(admin.token, flagged);
    const approval = await kit.approval(admin.token, flagged);
    expect(approval).toMatchObject({ requiredApprovals: 1, excludeAuthor: true, requestedBy: ['content-check'] });
    expect(approval.sources[1].reason).toBe('Flagged for review (banned words: guaranteed)');
    expect(await kit.approve(admin.token, flagged)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE', reason: 'AUTHOR' });
    expect((await kit.approve(operator.token, flagged)).data.status).toBe('APPROVED');
    expect((await kit.send(admin.token, flagged)).data.status).toBe('SENT');
    // Clean text asks for nothing: the sender sends directly.
    const clean = await kit.draft(admin.token, 'Fresh bread at https://dengon.example/bread');
    expect((await kit.send(admin.token, clean)).data.status).toBe('SENT');
  });
});
