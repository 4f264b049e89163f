import type { AppDeps } from '../deps.ts';
import { type Access, authenticateToken } from '../auth/authenticate.ts';
import { isEventOf, MEMBERSHIP_EVENTS, type DomainEvent } from '../events/types.ts';
import { SUBSCRIBER_RECHECK_MS } from '../limits.ts';
import { CLOSE_CODES } from '../errors.ts';

/** How a transport ends a subscriber whose token stopped being valid (WebSocket: close code). */
export type EndConnection = (code: number, reason: string) => void;

/**
 * A subscriber's token and what it may see, shared by the subscriptions of
 * one connection. Every event is checked against `current()`: cached, but
 * reloaded from the database when a membership or friend-status event about
 * this subscriber passes by, and at least every SUBSCRIBER_RECHECK_MS (token
 * revocation and expiry, which have no account to publish on).
 */
export class SubscriberSession {
  #loaded: Promise<Access | null>;
  #loadedAt: number;
  #ended = false;
  #reloadedFor: string | null = null;
  readonly #tokenId: string;

  constructor(
    private readonly deps: Pick<AppDeps, 'db' | 'clock'>,
    private readonly token: string,
    first: Access,
    private readonly endConnection: EndConnection | null = null,
  ) {
    this.#loaded = Promise.resolve(first);
    this.#tokenId = first.viewer?.tokenId ?? first.friend!.tokenId;
    this.#loadedAt = deps.clock.now().getTime();
  }

  /** The access as it is now; null once the token is unknown, expired or revoked. */
  current(): Promise<Access | null> {
    if (this.deps.clock.now().getTime() - this.#loadedAt >= SUBSCRIBER_RECHECK_MS) this.#reload();
    return this.#loaded;
  }

  /**
   * The access to authorize this event with. An event about this subscriber
   * (their membership changed, the friend blocked) reloads first, once per
   * event however many subscriptions of the connection see it.
   */
  async accessFor(event: DomainEvent): Promise<Access | null> {
    const access = await this.current();
    if (!access || this.#reloadedFor === event.id || !concerns(event, access)) return access;
    this.#reloadedFor = event.id;
    this.#reload();
    return this.#loaded;
  }

  /** Re-reads the token's access now (a membership gained on another account has no event on this connection). */
  refresh(): Promise<Access | null> {
    this.#reload();
    return this.#loaded;
  }

  /** The id of the token row behind this session (member or friend token). */
  get tokenId(): string {
    return this.#tokenId;
  }

  /**
   * The token was revoked (signOut, unfollow; src/subscriptions/revocations.ts):
   * from now on this session has no access, so a subscription started on the
   * connection before it closes is refused too.
   */
  revoked(): void {
    this.#loaded = Promise.resolve(null);
    this.#loadedAt = this.deps.clock.now().getTime();
    this.end(CLOSE_CODES.UNAUTHENTICATED, 'The token was revoked: sign in again');
  }

  /** Ends the connection (WebSocket) once; over SSE the stream just ends. */
  end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.endConnection?.(code, reason);
  }

  #reload(): void {
    this.#loadedAt = this.deps.clock.now().getTime();
    this.#loaded = authenticateToken({ tx: this.deps.db.prisma, clock: this.deps.clock }, this.token);
  }
}

function concerns(event: DomainEvent, access: Access): boolean {
  return (
    (isEventOf(event, ...MEMBERSHIP_EVENTS) && access.viewer?.userId === event.payload.userId) ||
    (isEventOf(event, 'friend.status_changed') && access.friend?.friendId === event.payload.friendId)
  );
}
