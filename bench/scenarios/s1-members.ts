// S1: an authenticated member list of 100 over HTTP GraphQL (CASL on), against
// bare-yoga (target) and raw-http (distance to the limit). See BENCHMARKS.md.
import { compareOverHttp, httpEstimateSec, graphqlPost } from '../lib/http-compare.ts';
import type { Scenario } from '../lib/scenario.ts';
import { seedAccount } from '../lib/seed.ts';

const MEMBERS = 100;

const QUERY = `query($id: ID!) { account(id: $id) { members(first: ${MEMBERS}) { edges { node { id role user { displayName } } } } } }`;

type Answer = { data?: { account?: { members?: { edges?: Array<{ node?: { id?: unknown; role?: unknown; user?: { displayName?: unknown } } }> } } | null }; errors?: unknown };

/** Exactly MEMBERS complete nodes and no errors; returns the edges for the cross-server comparison. */
function check(body: unknown): unknown {
  const answer = body as Answer;
  if (answer.errors) throw new Error(`errors: ${JSON.stringify(answer.errors)}`);
  const edges = answer.data?.account?.members?.edges;
  if (!Array.isArray(edges)) throw new Error('no data.account.members.edges');
  if (edges.length !== MEMBERS) throw new Error(`${edges.length} members instead of ${MEMBERS}`);
  for (const edge of edges) {
    const node = edge.node;
    if (typeof node?.id !== 'string' || typeof node.role !== 'string' || typeof node.user?.displayName !== 'string') {
      throw new Error(`incomplete node ${JSON.stringify(edge)}`);
    }
  }
  return edges;
}

const servers = 3;

export const s1Members: Scenario = {
  id: 'S1',
  title: `members(${MEMBERS})`,
  estimateSec: (options) => httpEstimateSec(servers, options),
  async run(ctx) {
    const seeded = await seedAccount(ctx.db.pool, MEMBERS, 's1');
    return compareOverHttp(ctx, {
      id: 'S1',
      title: `members(${MEMBERS})`,
      subject: { name: 'dengon', entry: 'bench/servers/dengon.ts' },
      baselines: [
        { name: 'bare-yoga', entry: 'bench/baselines/bare-yoga.ts', target: 0.8 },
        { name: 'raw-http', entry: 'bench/baselines/raw-http.ts', target: null },
      ],
      env: { LOG_LEVEL: 'silent' },
      request: graphqlPost(seeded.adminToken, QUERY, { id: seeded.accountGlobalId }),
      check,
    });
  },
};
