import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { findPhoneNumbersInText, type CountryCode } from "libphonenumber-js";

/** Kinds of personal data and secrets the detector knows. */
export const PII_KINDS = ["email", "phone", "card", "ssn", "iban", "api_key", "private_key"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One piece of personal data or secret found in a text: its kind and where it is. */
export interface PiiFinding {
  kind: PiiKind;
  /** Offsets into the text: `text.slice(start, end)` is the match. */
  start: number;
  end: number;
  /** Which shape matched, for secrets (e.g. `openai`, `aws_access_key`). */
  detail?: string;
}

export interface PiiOptions {
  /** Kinds to look for; all by default. */
  kinds?: readonly PiiKind[];
  /** Region for phone numbers written without a country code (default US); `+` numbers are found anywhere. */
  phoneRegion?: CountryCode;
}

/** Luhn checksum over a string of digits (payment cards). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes and lengths of the major card networks. Luhn alone passes one random number
 * in ten; asking for a real network prefix as well keeps order numbers from being flagged.
 */
export function cardNetwork(digits: string): string | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4" && (n === 13 || n === 16 || n === 19)) return "visa";
  if (n === 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))) return "mastercard";
  if (n === 15 && (p2 === 34 || p2 === 37)) return "amex";
  if (n >= 16 && n <= 19 && (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925))) return "discover";
  if (n >= 16 && n <= 19 && p4 >= 3528 && p4 <= 3589) return "jcb";
  if (n >= 14 && n <= 19 && ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39)) return "diners";
  if (n >= 16 && n <= 19 && p2 === 62) return "unionpay";
  if (n >= 12 && n <= 19 && ["50", "56", "57", "58", "63", "67"].includes(digits.slice(0, 2))) return "maestro";
  return undefined;
}

/** A payment card number: a known network's prefix and length, and a valid Luhn checksum. */
export const isCardNumber = (digits: string): boolean => cardNetwork(digits) !== undefined && luhnValid(digits);

/** Numbers the SSA published in advertising; they look valid but identify nobody. */
const SSN_EXAMPLES = new Set(["078051120", "219099999", "123456789"]);

/**
 * A US Social Security number as the SSA issues them: area not 000, 666 or 900–999, group not 00,
 * serial not 0000, and not one of the published example numbers.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (Number(group) === 0 || Number(serial) === 0) return false;
  return !SSN_EXAMPLES.has(`${area}${group}${serial}`);
}

/** An IBAN with its country's length and format and a valid mod-97 check (spaces allowed). */
export function ibanValid(text: string): boolean {
  const compact = electronicFormatIBAN(text);
  return compact !== null && isValidIBAN(compact);
}

/** Secret shapes: provider API keys and tokens. Ordered most specific first. */
const SECRET_SHAPES: { detail: string; re: RegExp }[] = [
  { detail: "anthropic", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { detail: "openai", re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { detail: "aws_access_key", re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { detail: "github", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { detail: "slack", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { detail: "stripe", re: /\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { detail: "google", re: /\bAIza[0-9A-Za-z_-]{35}/g },
  { detail: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  // `api_key = "…"`, `password: …`: an assignment of a long opaque value to a secret-named key.
  {
    detail: "assignment",
    re: /\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|password|passwd)\b["']?\s*[:=]\s*["']?[A-Za-z0-9_\-+/=.]{16,}/gi,
  },
];

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// 13–19 digits, single spaces or dashes between them; never part of a longer digit run.
const CARD_CANDIDATE = /(?<![\d.-])\d(?:[ -]?\d){12,18}(?!\d)/g;
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}/g;
const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;

function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

/** The longest valid IBAN at the start of a candidate (a greedy match may run into the next word). */
function ibanAt(candidate: string): string | undefined {
  for (let end = candidate.length; end >= 15; end--) {
    const head = candidate.slice(0, end);
    if (head.endsWith(" ")) continue;
    if (ibanValid(head)) return head;
  }
  return undefined;
}

/** Stronger kinds win where findings overlap (an IBAN's digits are not also a phone number). */
const PRIORITY: Record<PiiKind, number> = { private_key: 0, api_key: 1, iban: 2, card: 3, ssn: 4, email: 5, phone: 6 };

function resolveOverlaps(found: PiiFinding[]): PiiFinding[] {
  const kept: PiiFinding[] = [];
  const ordered = [...found].sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.start - b.start);
  for (const f of ordered) {
    if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Finds e-mail addresses, phone numbers, payment cards (Luhn and network prefix), US SSNs,
 * IBANs (country format and mod-97), API keys and private keys in a text. Pure; overlapping
 * findings keep the most specific kind.
 */
export function detectPii(text: string, opts: PiiOptions = {}): PiiFinding[] {
  const want = new Set<PiiKind>(opts.kinds ?? PII_KINDS);
  const found: PiiFinding[] = [];
  const add = (kind: PiiKind, start: number, end: number, detail?: string) =>
    found.push(detail === undefined ? { kind, start, end } : { kind, start, end, detail });

  if (want.has("private_key")) for (const m of matches(PRIVATE_KEY, text)) add("private_key", m.index, m.index + m[0].length);
  if (want.has("api_key")) {
    for (const { detail, re } of SECRET_SHAPES) for (const m of matches(re, text)) add("api_key", m.index, m.index + m[0].length, detail);
  }
  if (want.has("iban")) {
    for (const m of matches(IBAN_CANDIDATE, text)) {
      const iban = ibanAt(m[0]);
      if (iban) add("iban", m.index, m.index + iban.length);
    }
  }
  if (want.has("card")) {
    for (const m of matches(CARD_CANDIDATE, text)) {
      const digits = m[0].replace(/[ -]/g, "");
      const network = cardNetwork(digits);
      if (network && luhnValid(digits)) add("card", m.index, m.index + m[0].length, network);
    }
  }
  if (want.has("ssn")) {
    for (const m of matches(SSN, text)) if (ssnValid(m[1]!, m[3]!, m[4]!)) add("ssn", m.index, m.index + m[0].length);
  }
  if (want.has("email")) for (const m of matches(EMAIL, text)) add("email", m.index, m.index + m[0].length);
  if (want.has("phone")) {
    for (const p of findPhoneNumbersInText(text, opts.phoneRegion ?? "US")) add("phone", p.startsAt, p.endsAt);
  }
  return resolveOverlaps(found);
}

/** Replaces every finding with `[redacted:<kind>]`. Pure. */
export function redactPii(text: string, opts: PiiOptions = {}): string {
  const found = detectPii(text, opts);
  if (found.length === 0) return text;
  let out = "";
  let at = 0;
  for (const f of found) {
    out += `${text.slice(at, f.start)}[redacted:${f.kind}]`;
    at = f.end;
  }
  return out + text.slice(at);
}

/** Redacts every string inside a JSON-like value (tool-call steps, assertion reasons). */
export function redactPiiDeep<T>(value: T, opts: PiiOptions = {}): T {
  if (typeof value === "string") return redactPii(value, opts) as T;
  if (Array.isArray(value)) return value.map((v) => redactPiiDeep(v, opts)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactPiiDeep(v, opts);
    return out as T;
  }
  return value;
}
