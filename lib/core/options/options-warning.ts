/** Reports a problem with the options that does not stop them from working (Nest: the logger). */
export type OptionsWarning = (message: string) => void;

/** Outside Nest, warnings go where Node's own go (stderr, `process.on('warning')`). */
export function emitOptionsWarning(message: string): void {
  process.emitWarning(message, { code: 'NEST_SESSIONS_OPTIONS' });
}
