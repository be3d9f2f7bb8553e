/** The value after `flag` on a bench command line (`--rounds 5` → `'5'`), or undefined when the flag is absent. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}
