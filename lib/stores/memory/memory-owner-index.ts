/**
 * In-process index of sessions per owner, kept by MemoryStore beside its entries: one entry
 * per owned session, removed with the session, so it is bounded like the store itself.
 */
export class OwnerIndex {
  readonly #ownerOfSession = new Map<string, string>();
  readonly #sessionsOfOwner = new Map<string, Set<string>>();

  /** Records the session under `ownerId` (moving it from another owner), or under none with `null`. */
  assign(sessionId: string, ownerId: string | null): void {
    const previousOwner = this.#ownerOfSession.get(sessionId);
    if (previousOwner === ownerId) return;
    if (previousOwner !== undefined) this.remove(sessionId);
    if (ownerId === null) return;
    this.#ownerOfSession.set(sessionId, ownerId);
    let sessionIds = this.#sessionsOfOwner.get(ownerId);
    if (!sessionIds) this.#sessionsOfOwner.set(ownerId, (sessionIds = new Set()));
    sessionIds.add(sessionId);
  }

  /** Forgets the session (destroyed, expired or evicted). */
  remove(sessionId: string): void {
    const ownerId = this.#ownerOfSession.get(sessionId);
    if (ownerId === undefined) return;
    this.#ownerOfSession.delete(sessionId);
    const sessionIds = this.#sessionsOfOwner.get(ownerId)!;
    sessionIds.delete(sessionId);
    if (sessionIds.size === 0) this.#sessionsOfOwner.delete(ownerId);
  }

  /** Takes sessions out of `ownerId`'s index only if they are still there. */
  removeFromOwner(ownerId: string, sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      if (this.#ownerOfSession.get(sessionId) === ownerId) this.remove(sessionId);
    }
  }

  sessionIdsOf(ownerId: string): string[] {
    return [...(this.#sessionsOfOwner.get(ownerId) ?? [])];
  }

  /** How many sessions have an owner. */
  get size(): number {
    return this.#ownerOfSession.size;
  }

  clear(): void {
    this.#ownerOfSession.clear();
    this.#sessionsOfOwner.clear();
  }
}
