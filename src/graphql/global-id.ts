import { GraphQLError } from 'graphql';
import { ValidationError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}

/** Never throws: a malformed id decodes to an empty typename, which matches no type. */
export function decodeGlobalIdLoose(globalId: string): { typename: string; id: string } {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const typename = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (colon < 1 || !UUID.test(id) || Buffer.from(text).toString('base64url') !== globalId.replace(/=+$/, '')) {
    return { typename: '', id: '' };
  }
  return { typename, id };
}

/** The database id inside a global id of the expected type; a typed INVALID_INPUT naming the field otherwise. */
export function decodeId(field: string, globalId: string, typename: string): string {
  const decoded = decodeGlobalIdLoose(globalId);
  if (decoded.typename !== typename) throw new ValidationError(field, `${field}: not a valid ${typename} id`);
  return decoded.id;
}

/** As decodeId, for query arguments, where errors are GraphQL errors rather than payload results. */
export function decodeQueryId(field: string, globalId: string, typename: string): string {
  try {
    return decodeId(field, globalId, typename);
  } catch (error) {
    throw new GraphQLError((error as Error).message, { extensions: { code: 'INVALID_INPUT', field } });
  }
}
