/**
 * Indexes of items whose key already appeared earlier, with that key. Shared by every
 * list that must not repeat itself (`to`, marks, follows, group configs).
 */
export function findRepeats<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
): { index: number; key: string }[] {
  const seen = new Set<string>();
  const repeats: { index: number; key: string }[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (seen.has(key)) repeats.push({ index, key });
    else seen.add(key);
  });
  return repeats;
}
