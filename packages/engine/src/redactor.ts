import { SECRET_MASK, type ResolvedConnection } from '@pipewright/core';
import type { ConnectorRegistry } from './connectors/registry.js';

/** `scheme://user:password@` → `scheme://user:********@` (any URL with credentials). */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s@/]*)@/gi;

/** Secrets shorter than this are not searched for (they would mask unrelated text). */
const MIN_SECRET_LENGTH = 3;

function secretStrings(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    if (value.length >= MIN_SECRET_LENGTH) {
      out.add(value);
      // Also as it appears in a URL.
      const encoded = encodeURIComponent(value);
      if (encoded !== value) out.add(encoded);
    }
  } else if (Array.isArray(value)) for (const v of value) secretStrings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) secretStrings(v, out);
  else if (typeof value === 'number' && String(value).length >= MIN_SECRET_LENGTH) out.add(String(value));
}

/**
 * Replaces the secret values of a run's connections (and any `scheme://user:password@`) by
 * `********` in text bound for run logs and run errors.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string> = []) {
    // Longest first: a secret containing another is masked whole.
    this.secrets = [...new Set(secrets)]
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  /** The secrets of `connections`, per their kinds' secret fields (every field when the kind is unknown). */
  static forConnections(connections: ReadonlyArray<ResolvedConnection | null>, registry: ConnectorRegistry): Redactor {
    const out = new Set<string>();
    for (const c of connections) {
      if (!c) continue;
      const fields = registry.connectionKind(c.kind)?.secretFields ?? Object.keys(c.settings);
      for (const field of fields) secretStrings(c.settings[field], out);
    }
    return new Redactor(out);
  }

  redact(text: string): string {
    let out = text.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${SECRET_MASK}@`);
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    return out;
  }
}
