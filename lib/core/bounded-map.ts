/**
 * Sets `key` in `map` as its newest entry, first dropping the oldest entries (Maps keep
 * insertion order) so that it holds at most `max`: the bound of the process's small caches.
 */
export function setWithinBound<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  while (map.size >= max && map.size > 0) map.delete(map.keys().next().value!);
  map.set(key, value);
}
