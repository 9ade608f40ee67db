import { describe, expect, it } from "vitest";
import {
  cardNetwork,
  detectPii,
  ibanValid,
  isCardNumber,
  luhnValid,
  redactPii,
  redactPiiDeep,
  PII_KINDS,
  ssnValid,
  type PiiKind,
} from "../../src/scoring/pii.ts";

const kinds = (text: string) => detectPii(text).map((f) => f.kind);
const found = (text: string) => detectPii(text).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe("Luhn and card networks", () => {
  it.each(["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "2223003122003222", "79927398713"])(
    "%s passes Luhn",
    (n) => expect(luhnValid(n)).toBe(true),
  );
  // "X" counts 40 where a digit would be: these would pass a checksum that did not look at every character.
  it.each(["4111111111111112", "5555555555554445", "79927398710", "12a4", "X079927398713", "799273987130X", ""])("%j fails Luhn", (n) =>
    expect(luhnValid(n)).toBe(false),
  );

  it("names the network, and needs one as well as Luhn", () => {
    expect(cardNetwork("4111111111111111")).toBe("visa");
    expect(cardNetwork("5555555555554444")).toBe("mastercard");
    expect(cardNetwork("2223003122003222")).toBe("mastercard");
    expect(cardNetwork("378282246310005")).toBe("amex");
    expect(cardNetwork("6011111111111117")).toBe("discover");
    // Luhn-valid, but no network issues numbers starting 1 or 9: an order number, not a card.
    expect(luhnValid("1234567890123452") && luhnValid("9999999999999995")).toBe(true);
    expect(isCardNumber("1234567890123452")).toBe(false);
    expect(isCardNumber("9999999999999995")).toBe(false);
    // Right prefix, wrong length.
    expect(cardNetwork("41111111111111")).toBeUndefined();
  });

  // `prefix` padded with zeros to `length` digits (cardNetwork looks at prefixes and length, not Luhn).
  const num = (prefix: string, length: number) => prefix.padEnd(length, "0");

  it.each([
    // Visa: 4, 13, 16 or 19 digits.
    ["4", 13, "visa"],
    ["4", 19, "visa"],
    ["4", 15, undefined],
    // Mastercard: 51–55 and 2221–2720, 16 digits.
    ["51", 16, "mastercard"],
    ["55", 16, "mastercard"],
    ["2221", 16, "mastercard"],
    ["2720", 16, "mastercard"],
    ["2220", 16, undefined],
    ["2721", 16, undefined],
    ["51", 17, undefined],
    // Amex: 34 or 37, 15 digits.
    ["34", 15, "amex"],
    ["37", 15, "amex"],
    ["35", 15, undefined],
    ["34", 16, undefined],
    // Discover: 6011, 644–649, 65 and 622126–622925, 16–19 digits (before UnionPay's 62).
    ["6011", 16, "discover"],
    ["6011", 19, "discover"],
    ["6011", 15, undefined],
    ["6011", 20, undefined],
    ["6010", 16, undefined],
    ["644", 16, "discover"],
    ["649", 16, "discover"],
    ["643", 16, undefined],
    ["65", 16, "discover"],
    ["622126", 16, "discover"],
    ["622925", 16, "discover"],
    ["622125", 16, "unionpay"],
    ["622926", 16, "unionpay"],
    // JCB: 3528–3589, 16–19 digits.
    ["3528", 16, "jcb"],
    ["3589", 19, "jcb"],
    ["3527", 16, undefined],
    ["3590", 16, undefined],
    ["3528", 15, undefined],
    ["3528", 20, undefined],
    // Diners: 300–305, 36, 38, 39, 14–19 digits.
    ["300", 14, "diners"],
    ["305", 19, "diners"],
    ["306", 14, undefined],
    ["36", 14, "diners"],
    ["38", 16, "diners"],
    ["39", 16, "diners"],
    ["36", 13, undefined],
    ["36", 20, undefined],
    // UnionPay: 62, 16–19 digits.
    ["62", 16, "unionpay"],
    ["62", 19, "unionpay"],
    ["62", 15, undefined],
    ["62", 20, undefined],
    // Maestro: 50, 56–58, 63, 67, 12–19 digits.
    ["50", 12, "maestro"],
    ["56", 16, "maestro"],
    ["57", 16, "maestro"],
    ["58", 19, "maestro"],
    ["63", 16, "maestro"],
    ["67", 16, "maestro"],
    ["50", 11, undefined],
    ["50", 20, undefined],
    ["59", 16, undefined],
    ["64", 16, undefined],
  ] as const)("prefix %s with %i digits is %s", (prefix, length, network) => {
    expect(cardNetwork(num(prefix, length))).toBe(network);
  });

  it.each([
    ["3530111333300000", "jcb"],
    ["30569309025904", "diners"],
    ["38520000023237", "diners"],
    ["6200000000000005", "unionpay"],
    ["6759649826438453", "maestro"],
    ["6011000990139424", "discover"],
    ["6221260000000001", undefined],
  ] as const)("finds the published test number %s as %s", (n, network) => {
    const spaced = n.replace(/(\d{4})(?=\d)/g, "$1 ");
    const hits = detectPii(`pay with ${spaced} today`, { kinds: ["card"] });
    if (network === undefined) {
      // Right prefix, but not Luhn-valid: not a card.
      expect(hits).toEqual([]);
      return;
    }
    expect(luhnValid(n)).toBe(true);
    expect(hits).toEqual([{ kind: "card", start: 9, end: 9 + spaced.length, detail: network }]);
  });
});

describe("detectPii", () => {
  it("finds payment cards written with spaces or dashes, Luhn-checked", () => {
    expect(found("card 4111 1111 1111 1111 exp 12/29")).toEqual([["card", "4111 1111 1111 1111"]]);
    expect(found("amex 3782-822463-10005.")).toEqual([["card", "3782-822463-10005"]]);
    expect(found("pay with 5555555555554444 now")).toEqual([["card", "5555555555554444"]]);
    expect(kinds("card 4111 1111 1111 1112")).toEqual([]);
    expect(kinds("order 1234567890123452 shipped")).toEqual([]);
  });

  it("does not take a card out of a longer run of digits, but finds one followed by a year", () => {
    expect(kinds("id 41111111111111112345678")).toEqual([]);
    expect(found("4111 1111 1111 1111 2029")).toEqual([["card", "4111 1111 1111 1111"]]);
  });

  it("finds IBANs by country format and mod-97, with or without spaces", () => {
    expect(found("IBAN: GB82 WEST 1234 5698 7654 32, thanks")).toEqual([["iban", "GB82 WEST 1234 5698 7654 32"]]);
    expect(found("DE89370400440532013000")).toEqual([["iban", "DE89370400440532013000"]]);
    // An upper-case word after the IBAN is not swallowed into it.
    expect(found("GB82WEST12345698765432 ASAP")).toEqual([["iban", "GB82WEST12345698765432"]]);
    // One check digit off: mod-97 fails.
    expect(kinds("GB83 WEST 1234 5698 7654 32")).toEqual([]);
    expect(ibanValid("GB82 WEST 1234 5698 7654 32")).toBe(true);
    expect(ibanValid("XX82WEST12345698765432")).toBe(false);
  });

  it("finds US SSNs as the SSA issues them", () => {
    expect(found("SSN 536-22-8761.")).toEqual([["ssn", "536-22-8761"]]);
    expect(found("ssn 536 22 8761")).toEqual([["ssn", "536 22 8761"]]);
    for (const bad of ["000-12-3456", "666-12-3456", "900-12-3456", "536-00-8761", "536-22-0000", "078-05-1120", "536-22 8761"]) {
      expect(kinds(`ssn ${bad}`), bad).not.toContain("ssn");
    }
    expect(ssnValid("536", "22", "8761")).toBe(true);
    expect(ssnValid("999", "22", "8761")).toBe(false);
  });

  it("finds e-mail addresses", () => {
    expect(found("write to jane.doe+billing@example.co.uk today")).toEqual([["email", "jane.doe+billing@example.co.uk"]]);
    expect(kinds("no address @ here, nor user@localhost")).toEqual([]);
  });

  it("finds phone numbers, international anywhere and national in the given region", () => {
    expect(found("call +44 20 7946 0958")).toEqual([["phone", "+44 20 7946 0958"]]);
    expect(found("call (415) 555-2671 today")).toEqual([["phone", "(415) 555-2671"]]);
    expect(kinds("call 020 7946 0958")).toEqual([]); // a UK national number, region US
    expect(detectPii("call 020 7946 0958", { phoneRegion: "GB" }).map((f) => f.kind)).toEqual(["phone"]);
  });

  it("does not mistake dates, versions, prices or hours for personal data", () => {
    const text = "Released 2024-08-06 as v1.2.3; the Pro plan is $29 per month; phone support runs 9-17 CET, chat 24/7. Ticket #123456.";
    expect(detectPii(text)).toEqual([]);
  });

  it("finds API keys and tokens by their shapes", () => {
    const cases: [string, string][] = [
      ["openai", "sk-proj-abcDEF1234567890abcdEF12"],
      ["anthropic", "sk-ant-api03-abcdefghijklmnopqrstuvwx"],
      ["aws_access_key", "AKIAIOSFODNN7EXAMPLE"],
      ["github", `ghp_${"a1B2".repeat(9)}`],
      ["slack", "xoxb-123456789012-abcdefghij"],
      ["stripe", "sk_live_abcdefghijklmnop1234"],
      ["google", `AIza${"x".repeat(35)}`],
      ["jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
      ["assignment", 'api_key = "Zx8qP2mN4vB6cD1eF3gH"'],
    ];
    for (const [detail, key] of cases) {
      const f = detectPii(`config: ${key} end`);
      expect(
        f.map((x) => [x.kind, x.detail]),
        detail,
      ).toEqual([["api_key", detail]]);
    }
    expect(kinds("the task-list and sk-short are fine")).toEqual([]);
  });

  it("finds private keys, whole blocks or cut off", () => {
    const block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c2\nabc+/=\n-----END RSA PRIVATE KEY-----";
    expect(found(`key:\n${block}\ndone`)).toEqual([["private_key", block]]);
    expect(kinds("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA")).toEqual(["private_key"]);
    expect(kinds("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----")).toEqual([]);
  });

  it("keeps the most specific kind where findings overlap, and only the kinds asked for", () => {
    // The digits of an IBAN are not also reported as a phone number or a card.
    expect(kinds("DE89 3704 0044 0532 0130 00")).toEqual(["iban"]);
    const text = "mail ann@example.com, card 4111111111111111";
    expect(detectPii(text, { kinds: ["email"] }).map((f) => f.kind)).toEqual(["email"]);
    expect(detectPii(text).map((f) => f.kind)).toEqual(["email", "card"]);
  });

  // One of each kind, apart from each other.
  const everything = [
    "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBg\n-----END PRIVATE KEY-----",
    "key sk-proj-abcdefghijklmnopqrstuvwx",
    "iban DE89 3704 0044 0532 0130 00",
    "card 4111 1111 1111 1111",
    "ssn 536-22-1234",
    "mail jane@example.com",
    "call +44 20 7946 0958",
  ].join(" ; ");

  it("finds one of each kind in a text with all of them", () => {
    expect(detectPii(everything).map((f) => f.kind)).toEqual(["private_key", "api_key", "iban", "card", "ssn", "email", "phone"]);
  });

  it.each(PII_KINDS.map((k) => [k]))("looks for %s only when asked", (kind) => {
    expect(detectPii(everything, { kinds: [kind] }).map((f) => f.kind)).toEqual([kind]);
  });

  it("reports a finding without a detail as just kind and offsets", () => {
    expect(detectPii("mail jane@example.com")).toStrictEqual([{ kind: "email", start: 5, end: 21 }]);
    expect(isCardNumber("4111111111111111")).toBe(true);
  });

  it("finds the shortest IBANs (15 characters, Norway)", () => {
    expect(found("konto NO9386011117947.")).toEqual([["iban", "NO9386011117947"]]);
  });

  it("is clean on every answer the demo bot gives", () => {
    const answers = [
      "You can return an annual plan within 30 days of purchase for a full refund.",
      "Go to Settings > Security and choose Reset password; a link arrives by e-mail.",
      "The Pro plan is $29 per month.",
      "Chat support is open 24/7; phone support runs 9-17 CET.",
      "You can export your data as CSV or JSON from the Admin page.",
      "I couldn't find anything about that in our knowledge base, so I can't say for sure.",
    ];
    for (const a of answers) expect(detectPii(a), a).toEqual([]);
  });
});

describe("redactPii", () => {
  it("replaces each finding with its kind and keeps the rest", () => {
    const text = "Mail jane@example.com or call +1 415 555 2671; card 4111-1111-1111-1111; key AKIAIOSFODNN7EXAMPLE.";
    expect(redactPii(text)).toBe("Mail [redacted:email] or call [redacted:phone]; card [redacted:card]; key [redacted:api_key].");
    expect(redactPii("nothing here")).toBe("nothing here");
  });

  it("redacts every string inside steps and reasons", () => {
    const steps = [{ tool: "lookup", args: { email: "jane@example.com", n: 3 }, result: ["SSN 536-22-8761"] }];
    expect(redactPiiDeep(steps)).toEqual([{ tool: "lookup", args: { email: "[redacted:email]", n: 3 }, result: ["SSN [redacted:ssn]"] }]);
  });

  it.each<[PiiKind, string]>([
    ["card", "4111111111111111"],
    ["iban", "GB82WEST12345698765432"],
    ["ssn", "536-22-8761"],
  ])("never leaves the %s in the text", (kind, value) => {
    expect(redactPii(`x ${value} y`)).toBe(`x [redacted:${kind}] y`);
  });
});
