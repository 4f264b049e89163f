// Issue 14 rows 5 and 7: oversized and abusive requests are refused with a
// typed code and a 4xx before they cost anything; real screens still pass.
import fs from 'node:fs';
import WebSocket from 'ws';
import { Kind, parse, validate, type DefinitionNode, type DocumentNode } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { ARMOR } from '../../src/graphql/request-limits.ts';
import { MAX_DOCUMENT_BYTES, MAX_REQUEST_BYTES } from '../../src/limits.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { openChat } from '../helpers/chat-scenario.ts';
import { listenApp } from '../helpers/live.ts';
import type { SignedIn } from '../helpers/scenario.ts';

let app: TestApp;
let admin: SignedIn;
let chatId: string;
beforeAll(async () => {
  app = await createTestApp();
  ({ admin, chatId } = await openChat(app));
});
afterAll(() => app.close());

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function post(query: string, accept = GRAPHQL_RESPONSE, token = admin.token) {
  const response = await app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables: { chatId } }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

/** The member console's chat screen: 50 messages with sender, three content types, and the friend's tags. */
const CHAT_SCREEN = `query ChatScreen($chatId: ID!) {
  node(id: $chatId) { ... on Chat { id unreadCount openedAt
    friend { id displayName status tags { id name } }
    messages(last: 50) { pageInfo { hasPreviousPage startCursor }
      edges { cursor node { id direction kind state contentType sentAt recalledAt readByFriendAt
        sender { id displayName }
        content { __typename ... on TextContent { text } ... on MediaContent { type url sizeBytes mimeType } ... on StickerContent { packageId stickerId } } } } } } }
}`;

describe('document size is capped before parsing, comments included', () => {
  test('15 MB of comments is refused with 413 DOCUMENT_TOO_LARGE', async () => {
    const { status, body } = await post(`${'#'.repeat(15_000_000)}\n{ __typename }`);
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
    expect(body.errors?.[0]?.extensions).not.toHaveProperty('http');
  });

  test('one byte over the cap is refused; at the cap it runs', async () => {
    const query = '{ __typename }\n';
    const over = await post(`${query}#${'x'.repeat(MAX_DOCUMENT_BYTES - query.length)}`);
    expect(over.status).toBe(413);
    expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', limit: MAX_DOCUMENT_BYTES });
    const at = await post(`${query}#${'x'.repeat(MAX_DOCUMENT_BYTES - query.length - 1)}`);
    expect(at.status).toBe(200);
    expect(at.body.data).toEqual({ __typename: 'Query' });
  });

  test('a body declared over the request cap is refused before it is read', async () => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(MAX_REQUEST_BYTES + 1) },
      body: JSON.stringify({ query: '{ __typename }' }).padEnd(MAX_REQUEST_BYTES + 1, ' '),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
  });

  test('a WebSocket message over the request cap closes the socket (1009) without being buffered', async () => {
    const server = await listenApp(app);
    try {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(MAX_REQUEST_BYTES) } }));
      expect(await closed).toBe(1009);
    } finally {
      await server.close();
    }
  });
});

describe('graphql-armor refusals carry a code and a 4xx under application/graphql-response+json', () => {
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
  const deep = (depth: number) => `{ viewer { ${'memberships { account { '.repeat(depth / 2)}id${' } }'.repeat(depth / 2)} } }`;
  const ABUSIVE: [code: string, query: string][] = [
    ['TOO_MANY_ALIASES', aliases(100)],
    ['QUERY_TOO_DEEP', deep(20)],
    ['TOO_MANY_DIRECTIVES', `{ ${Array.from({ length: 30 }, () => '__typename @include(if: true)').join(' ')} }`],
    ['TOO_MANY_TOKENS', `{ ${'__typename '.repeat(2_500)} }`],
    ['QUERY_TOO_COSTLY', `query($chatId: ID!) { ${Array.from({ length: 10 }, (_, i) => `s${i}: ${CHAT_SCREEN.slice(CHAT_SCREEN.indexOf('node('), CHAT_SCREEN.lastIndexOf('}'))}`).join('\n')} }`],
  ];

  test.each(ABUSIVE)('%s: HTTP 400, a code, no "Syntax Error" label, nothing executed', async (code, query) => {
    const { status, body } = await post(query);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(body.errors?.[0]?.message).not.toMatch(/Syntax Error/);
  });

  test.each(ABUSIVE)('%s under application/json: HTTP 200 (the legacy media type), same code', async (code, query) => {
    const { status, body } = await post(query, 'application/json');
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
  });
});

describe('real screens pass the limits', () => {
  test('the chat screen (50 messages, sender, three content types, friend tags) runs', async () => {
    const { status, body } = await post(CHAT_SCREEN);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.node.messages.edges.length).toBeGreaterThan(0);
  });

  // Every operation a reader can paste from the README passes armor's limits as configured.
  const blocks = [...fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const operations = blocks.flatMap((block) => {
    const document = parse(block, { maxTokens: ARMOR.maxTokens.n });
    const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    return document.definitions
      .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
      .map((op): [string, DocumentNode] => [op.name?.value ?? block.trim().slice(0, 60), { kind: Kind.DOCUMENT, definitions: [op, ...fragments] as DefinitionNode[] }]);
  });

  test('the README has operations to check', () => {
    expect(operations.length).toBeGreaterThan(15);
  });

  test.each(operations)('README operation %s passes depth, alias, directive and cost limits', (_name, document) => {
    const rules = [maxDepthRule({ n: ARMOR.maxDepth.n }), maxAliasesRule({ n: ARMOR.maxAliases.n }), maxDirectivesRule({ n: ARMOR.maxDirectives.n }), costLimitRule({ maxCost: ARMOR.costLimit.maxCost })];
    expect(validate(schema, document, rules).map((e) => e.message)).toEqual([]);
  });
});
