import { describe, expect, it } from "vitest";
import { invalidUtf8Offset } from "../../src/config/read-yaml.ts";

const decodes = (bytes: Uint8Array) => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe("invalidUtf8Offset", () => {
  it("names the first byte that is not UTF-8, and agrees with the strict decoder", () => {
    expect(invalidUtf8Offset(Buffer.from("café ✓ 😀", "utf8"))).toBe(-1);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xe9, 0x62]))).toBe(1); // latin-1 é
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1); // overlong "/"
    expect(invalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a UTF-16 surrogate
    expect(invalidUtf8Offset(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // cut mid-character
    // Random bytes biased towards multi-byte lead and continuation bytes (a fixed seed: reproducible).
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const pool = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x90, 0x8f, 0x9f];
    for (let n = 0; n < 3000; n++) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 8) }, () => pool[next() % pool.length]!);
      const at = invalidUtf8Offset(bytes);
      expect(at === -1, `${[...bytes].map((b) => b.toString(16))}`).toBe(decodes(bytes));
      if (at >= 0) expect(decodes(bytes.subarray(0, at))).toBe(true);
    }
  });
});
