/**
 * Keeps secrets out of every log line, timeline entry, error and API answer.
 *
 * Two layers: every secret value the engine knows (API keys, passwords, tokens) is replaced wherever it
 * appears, and well-known carriers (`apiKey=` query values, auth headers, password/token fields in JSON or
 * form bodies) are masked even when the value is not known — a token freshly issued by a remote service, say.
 */
const MASK = '***';

const patterns: Array<[RegExp, string]> = [
  // query strings and form bodies: apiKey=…, api_key=…, token=…, password=…, secret=…
  [/\b((?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token|password|passwd|pass|secret|authtoken)=)[^&\s"'<>]+/gi, `$1${MASK}`],
  // JSON fields: "password": "…", "token": "…", "apiKey": "…"
  [/("(?:api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token|token|password|passwd|pass|secret|authtoken|authorization)"\s*:\s*")(?:[^"\\]|\\.)*(")/gi, `$1${MASK}$2`],
  // HTTP headers written out as text
  [/\b(authorization|x-api-key|cookie|set-cookie|token)(\s*[:=]\s*)(?:bearer\s+|basic\s+)?[^\s,;"']+/gi, `$1$2${MASK}`],
  // XML elements that carry credentials (MeaSoft auth)
  [/(<(password|pass|token|secret)>)[^<]*(<\/\2>)/gi, `$1${MASK}$3`],
  [/(\b(?:password|pass|token|secret)\s*=\s*")[^"]*(")/gi, `$1${MASK}$2`],
];

export class Redactor {
  private readonly known = new Set<string>();
  private escaped: RegExp | null = null;

  /** Secrets shorter than 4 characters are not searched for: they would mask ordinary text. */
  addSecret(value: string | null | undefined): void {
    if (!value || value.length < 4 || this.known.has(value)) return;
    this.known.add(value);
    // A secret can also travel URL-encoded, or JSON-escaped (a quote or backslash in a password) inside a
    // log line or a serialised body.
    for (const form of encodedForms(value)) this.known.add(form);
    this.escaped = null;
  }

  removeSecret(value: string): void {
    this.known.delete(value);
    for (const form of encodedForms(value)) this.known.delete(form);
    this.escaped = null;
  }

  redact(text: string): string;
  redact(text: string | null | undefined): string | null;
  redact(text: string | null | undefined): string | null {
    if (text == null) return null;
    let out = text;
    if (this.known.size > 0) {
      this.escaped ??= new RegExp(
        [...this.known]
          .sort((a, b) => b.length - a.length)
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('|'),
        'g',
      );
      out = out.replace(this.escaped, MASK);
    }
    for (const [re, to] of patterns) out = out.replace(re, to);
    return out;
  }

  /** Redacts and shortens, for timeline summaries and error details. */
  summarize(value: unknown, max = 2000): string | null {
    if (value == null) return null;
    const text = typeof value === 'string' ? value : safeJson(value);
    const red = this.redact(text);
    return red.length > max ? `${red.slice(0, max)}… (${red.length - max} симв. скрыто)` : red;
  }
}

function encodedForms(value: string): string[] {
  return [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)].filter((f) => f !== value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
