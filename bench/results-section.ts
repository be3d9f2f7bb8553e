/** Helpers of the benches that write one section of RESULTS.md each (`--csrf`, `--at-rest`). */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `results` with the text between `start` and `end` (the markers included) replaced by `section`, or `section` appended. */
export function withSection(results: string, start: string, end: string, section: string): string {
  const startIndex = results.indexOf(start);
  const endIndex = results.indexOf(end);
  if (startIndex >= 0 && endIndex > startIndex) return results.slice(0, startIndex) + section + results.slice(endIndex + end.length);
  return `${results.trimEnd()}\n\n${section}\n`;
}

/** A section another bench wrote: `<!-- name:start -->`, its text, `<!-- name:end -->`. */
const MARKED_SECTION = /<!-- ([a-z-]+):start -->[\s\S]*?<!-- \1:end -->/g;

/**
 * The sections of `results` that other benches (`--csrf`, `--at-rest`, `--scaling`, `--prune`…)
 * wrote between their markers, in their order: what the main run, which writes RESULTS.md
 * anew, keeps at its end.
 */
export function markedSectionsOf(results: string): string[] {
  return results.match(MARKED_SECTION) ?? [];
}
