// S3: an authenticated chat list of 50 (friend and last message joined) over
// HTTP GraphQL, against bare-yoga (target) and raw-http (distance to the
// limit). See BENCHMARKS.md.
import { compareOverHttp, httpEstimateSec, graphqlPost } from '../lib/http-compare.ts';
import type { Scenario } from '../lib/scenario.ts';
import { seedAccount } from '../lib/seed.ts';
import { seedChats } from '../lib/seed-chats.ts';

const CHATS = 50;
/** More chats than one page, so the list is an ordered slice, not the whole table. */
const SEEDED_CHATS = 1_000;

const QUERY =
  `query($id: ID!) { account(id: $id) { chats(first: ${CHATS}) { edges { node { id unreadCount friend { displayName } ` +
  `lastMessage { sentAt content { ... on TextContent { text } } } } } } } }`;

type Node = {
  id?: unknown;
  unreadCount?: unknown;
  friend?: { displayName?: unknown };
  lastMessage?: { sentAt?: unknown; content?: { text?: unknown } } | null;
};
type Answer = { data?: { account?: { chats?: { edges?: Array<{ node?: Node }> } } | null }; errors?: unknown };

/** Exactly CHATS complete nodes, most recent first, and no errors; returns the edges for the cross-server comparison. */
function checkWith(expectedIds: string[]) {
  return (body: unknown): unknown => {
    const answer = body as Answer;
    if (answer.errors) throw new Error(`errors: ${JSON.stringify(answer.errors)}`);
    const edges = answer.data?.account?.chats?.edges;
    if (!Array.isArray(edges)) throw new Error('no data.account.chats.edges');
    if (edges.length !== CHATS) throw new Error(`${edges.length} chats instead of ${CHATS}`);
    edges.forEach((edge, i) => {
      const node = edge.node;
      if (
        typeof node?.id !== 'string' ||
        typeof node.unreadCount !== 'number' ||
        typeof node.friend?.displayName !== 'string' ||
        typeof node.lastMessage?.sentAt !== 'string' ||
        typeof node.lastMessage.content?.text !== 'string'
      ) {
        throw new Error(`incomplete node ${JSON.stringify(edge)}`);
      }
      if (node.id !== expectedIds[i]) throw new Error(`chat ${i} is ${node.id}, expected ${expectedIds[i]} (most recent first)`);
    });
    return edges;
  };
}

const servers = 3;

export const s3Chats: Scenario = {
  id: 'S3',
  title: `chats(${CHATS})`,
  estimateSec: (options) => httpEstimateSec(servers, options),
  async run(ctx) {
    const seeded = await seedAccount(ctx.db.pool, 1, 's3');
    const chats = await seedChats(ctx.db.pool, seeded.accountId, SEEDED_CHATS);
    return compareOverHttp(ctx, {
      id: 'S3',
      title: `chats(${CHATS})`,
      subject: { name: 'dengon', entry: 'bench/servers/dengon.ts' },
      baselines: [
        { name: 'bare-yoga', entry: 'bench/baselines/bare-yoga-chats.ts', target: 0.8 },
        { name: 'raw-http', entry: 'bench/baselines/raw-http-chats.ts', target: null },
      ],
      env: { LOG_LEVEL: 'silent' },
      request: graphqlPost(seeded.adminToken, QUERY, { id: seeded.accountGlobalId }),
      check: checkWith(chats.chatGlobalIds.slice(0, CHATS)),
    });
  },
};
