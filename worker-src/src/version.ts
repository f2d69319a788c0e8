/** Reported by <prefix>/health. */
export const WORKER_VERSION = "0.1.0";
