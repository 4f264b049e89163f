import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { readMigrations } from '../../src/db/migrate.ts';
import { emptyServerDatabase, startServer } from '../helpers/spawn-server.ts';

// The real entry point (`npm start`) as a child process: start-up with
// migrations, /health, GraphiQL, and a graceful SIGTERM.

const template = inject('dbTemplate');
let env: Record<string, string>;
let cleanup = async () => {};

const start = (extra: Record<string, string> = {}) => startServer({ ...env, ...extra });

async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as any;
}

beforeAll(async () => {
  // An empty database: the server must migrate it itself.
  const data = await emptyServerDatabase(template, 'server');
  env = { ...data.env, PORT: '0', LOG_LEVEL: 'info' };
  cleanup = data.cleanup;
});
afterAll(() => cleanup());

describe('npm start', () => {
  test('migrates, serves GraphQL, GraphiQL and /health, and stops gracefully on SIGTERM without losing a request', async () => {
    const server = await start();
    expect(server.output()).toContain(`${readMigrations().length} migration(s) applied`);
    const origin = new URL(server.url).origin;

    expect((await fetch(`${origin}/health`)).status).toBe(200);
    expect((await fetch(`${origin}/ready`)).status).toBe(200);
    const graphiql = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toMatch(/graphiql/i);
    // graphql-ws shares the port and path: a connection without a token is refused with 4401.
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    expect(await new Promise((resolve) => socket.on('close', (code) => resolve(code)))).toBe(4401);

    // A request in flight when SIGTERM arrives still completes.
    const inFlight = post(server.url, `mutation { signUp(email: "graceful@example.test", password: "long enough pw", displayName: "G") { __typename } }`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.child.kill('SIGTERM');
    expect((await inFlight).data.signUp.__typename).toBe('MutationSignUpSuccess');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/stopped/);

    // Restart on the same database: nothing to migrate, the user is still there.
    const again = await start({ NODE_ENV: 'production' });
    expect(again.output()).toMatch(/0 migration\(s\) applied/);
    const signIn = await post(again.url, `mutation { signIn(email: "graceful@example.test", password: "long enough pw") { __typename } }`);
    expect(signIn.data.signIn.__typename).toBe('MutationSignInSuccess');
    // No GraphiQL in production.
    const page = await fetch(again.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 300_000);

  test('bad configuration stops start-up with a message naming the variable', async () => {
    await expect(start({ RECALL_WINDOW: 'soon' })).rejects.toThrow(/RECALL_WINDOW.*not a duration/);
  });
});
