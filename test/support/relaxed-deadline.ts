/**
 * The SQL stores' `statementTimeout` in suites that test what the stores do, not their deadline:
 * a CI machine that stalls for more than the default 2 s (seen: whole minutes of every suite
 * running ten times slower) must not turn a functional test into a 503. The outage and
 * deadline suites keep the default.
 */
export const RELAXED_STATEMENT_TIMEOUT_MS = 10_000;
