// Baseline "raw-http" for chat send (S4): node:http + pg, the same statements
// as Dengon's sendChatMessage in one transaction (chats-sql.ts), answering in
// the GraphQL response shape.
import { serve } from '../servers/serve.ts';
import { readBody } from './read-body.ts';
import { authenticate, chatIdOf, sendPayload, sendText } from './chats-sql.ts';
import { bearerToken, openPool } from './members-sql.ts';

const pool = openPool();

type Variables = { chat?: unknown; c?: { text?: unknown }; k?: unknown };

await serve(
  'raw-http',
  async (req, res) => {
    try {
      const { variables = {} } = JSON.parse(await readBody(req)) as { variables?: Variables };
      const token = bearerToken(req.headers.authorization);
      const sender = token ? await authenticate(pool, token) : null;
      if (!sender) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'unauthenticated' }] }));
        return;
      }
      const chatId = chatIdOf(String(variables.chat ?? ''));
      const payload = chatId
        ? sendPayload(await sendText(pool, sender, chatId, String(variables.c?.text ?? ''), String(variables.k ?? '')))
        : { __typename: 'ValidationError', code: 'INVALID_INPUT', message: 'chatId: not a valid Chat id' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { sendChatMessage: payload } }));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  },
  () => pool.end(),
);
