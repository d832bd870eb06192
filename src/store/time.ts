// Timestamps stored in the database: ISO-8601 UTC text (sorts and compares in both dialects).
export function nowIso(): string { return new Date().toISOString(); }
