/** A benchmarked app, built and not yet listening. */
export interface BuiltApp {
  /** Listens on a free port of 127.0.0.1 and resolves to it. */
  listen(): Promise<number>;
  close(): Promise<void>;
}
