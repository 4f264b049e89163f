// Issue 14 rows 8-9: cross-origin callers, form posts and production introspection.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/env.ts';
import { CSRF_HEADER } from '../../src/graphql/browser-safety.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, signUp, type SignedIn } from '../helpers/scenario.ts';

const CONSOLE = 'https://console.dengon.example';
let app: TestApp;
let production: TestApp;
let admin: SignedIn;
beforeAll(async () => {
  app = await createTestApp({ CORS_ORIGINS: CONSOLE });
  production = await createTestApp({ NODE_ENV: 'production' });
  admin = await signUp(app);
});
afterAll(async () => {
  await app.close();
  await production.close();
});

const preflight = (origin: string) =>
  app.fetch('/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

describe('CORS: only allowlisted origins, never a reflected one', () => {
  test('an allowlisted origin gets its own origin back, with credentials', async () => {
    const res = await preflight(CONSOLE);
    expect(res.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  test('any other origin gets no CORS headers at all', async () => {
    for (const origin of ['https://evil.example', 'https://console.dengon.example.evil.example', 'null']) {
      const res = await preflight(origin);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await app.fetch('/graphql', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  test('by default (no CORS_ORIGINS) no origin is allowed', async () => {
    const res = await production.fetch('/graphql', { method: 'OPTIONS', headers: { origin: CONSOLE, 'access-control-request-method': 'POST' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('CORS_ORIGINS refuses wildcards and paths at start', () => {
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('CSRF: a POST a form could send runs nothing', () => {
  const MUTATION = 'mutation { createAccount(name: "Forged") { __typename } }';

  test.each([
    ['application/x-www-form-urlencoded', () => new URLSearchParams({ query: MUTATION })],
    ['multipart/form-data', () => { const form = new FormData(); form.set('operations', JSON.stringify({ query: MUTATION })); form.set('map', '{}'); return form; }],
    ['text/plain', () => JSON.stringify({ query: MUTATION })],
  ])('%s without the CSRF header is refused (403) and writes nothing', async (_type, body) => {
    const before = await app.db.prisma.account.count();
    const init: RequestInit = { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, origin: 'https://evil.example' }, body: body() };
    if (_type === 'text/plain') (init.headers as Record<string, string>)['content-type'] = 'text/plain';
    const res = await app.fetch('/graphql', init);
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await app.db.prisma.account.count()).toBe(before);
  });

  test('a JSON POST runs without the header (browsers preflight it)', async () => {
    expect(await createAccount(app, admin.token, 'Real')).toBeTruthy();
  });

  test('a non-JSON POST with the header is let through to yoga', async () => {
    const res = await app.fetch('/graphql', { method: 'POST', headers: { [CSRF_HEADER]: '1', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: '{ __typename }' }) });
    expect(res.status).not.toBe(403);
  });
});

describe('security headers', () => {
  test('every answer carries them', async () => {
    for (const res of [await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }), await app.fetch('/health')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  test('production adds HSTS', async () => {
    const res = await production.fetch('/health');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});

describe('production does not describe itself', () => {
  const INTROSPECT = '{ __schema { types { name } } }';
  const run = (target: TestApp, query: string) => target.gql(query);

  test('introspection is refused with NODE_ENV=production', async () => {
    const res = await run(production, INTROSPECT);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    expect((await run(production, '{ __type(name: "User") { name } }')).errors).toBeDefined();
  });

  test('__typename still works in production', async () => {
    expect((await run(production, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  test('INTROSPECTION=true turns it back on in production', async () => {
    const opened = await createTestApp({ NODE_ENV: 'production', INTROSPECTION: 'true' });
    try {
      expect((await run(opened, INTROSPECT)).data.__schema.types.length).toBeGreaterThan(10);
    } finally {
      await opened.close();
    }
  });

  test('development keeps introspection; GraphiQL is served outside production only', async () => {
    expect((await run(app, INTROSPECT)).errors).toBeUndefined();
    const html = { headers: { accept: 'text/html' } };
    expect((await app.fetch('/graphql', html)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await production.fetch('/graphql', html)).headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });
});
