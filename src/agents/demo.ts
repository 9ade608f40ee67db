import type { DemoAgentConfig } from "../config/schema.ts";
import { costOf } from "../pricing.ts";
import { type Agent, type Observation, type Step } from "./types.ts";

/** The demo bot's knowledge base: keywords that find an article, the right and a wrong answer. */
const KB: { keywords: string[]; article: string; answer: string; wrong: string }[] = [
  {
    keywords: ["return", "refund"],
    article: "Annual plans can be refunded within 30 days of purchase.",
    answer: "You can return an annual plan within 30 days of purchase for a full refund.",
    wrong: "Annual plans can be returned within 14 days of purchase.",
  },
  {
    keywords: ["password", "reset"],
    article: "Passwords are reset from Settings > Security > Reset password.",
    answer: "Go to Settings > Security and choose Reset password; a link arrives by e-mail.",
    wrong: "Passwords can only be reset by calling our support line.",
  },
  {
    keywords: ["price", "cost", "pro plan"],
    article: "The Pro plan costs $29 per month, billed monthly.",
    answer: "The Pro plan is $29 per month.",
    wrong: "The Pro plan is $49 per month.",
  },
  {
    keywords: ["hours", "open", "support team"],
    article: "Support is available 24/7 by chat and 9-17 CET by phone.",
    answer: "Chat support is open 24/7; phone support runs 9-17 CET.",
    wrong: "Support is open Monday to Friday only.",
  },
  {
    keywords: ["export", "download my data"],
    article: "Data exports are available as CSV and JSON from the Admin page.",
    answer: "You can export your data as CSV or JSON from the Admin page.",
    wrong: "Data exports are only available as PDF.",
  },
  {
    keywords: ["sso", "single sign-on", "saml"],
    article: "SAML single sign-on is included in the Enterprise plan.",
    answer: "Single sign-on (SAML) is part of the Enterprise plan.",
    wrong: "Single sign-on is included in every plan.",
  },
  {
    keywords: ["cancel"],
    article: "Subscriptions can be cancelled at any time from Billing; access lasts until the period ends.",
    answer: "You can cancel any time under Billing, and you keep access until the end of the period.",
    wrong: "Cancelling ends your access immediately and deletes your data.",
  },
];

const NOT_FOUND = "I couldn't find anything about that in our knowledge base, so I can't say for sure.";
const INVENTED = "It comes with a 5-year warranty, I guarantee it.";

const tokensOf = (text: string) => Math.ceil(text.length / 4);

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A small support bot with a fake knowledge-base tool, so `npm start` has something to watch.
 * `quality` is the chance it answers right; `cost_multiplier` makes it search again and again
 * (the loop that burns tokens); `error_rate` makes it fail like a 500 would.
 */
export function createDemoAgent(name: string, cfg: DemoAgentConfig, random: () => number = Math.random): Agent {
  return {
    name,
    async call(req): Promise<Observation> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const base = { fingerprint: null, model: cfg.model };
      try {
        await abortableSleep(cfg.latency * (0.5 + random()), req.signal);
      } catch {
        return {
          ...base,
          output: null,
          steps: [],
          usage: { inputTokens: 0, outputTokens: 0 },
          latencyMs: elapsed(),
          costUsd: 0,
          error: { kind: "aborted", message: "trial aborted" },
        };
      }
      if (random() < cfg.error_rate) {
        const error = { kind: "http" as const, status: 500, message: "HTTP 500: demo agent failure" };
        return { ...base, output: null, steps: [], usage: { inputTokens: 0, outputTokens: 0 }, latencyMs: elapsed(), costUsd: 0, error };
      }
      const q = req.input.toLowerCase();
      const hit = KB.find((a) => a.keywords.some((k) => q.includes(k)));
      const searches = Math.max(1, Math.round(cfg.cost_multiplier));
      const steps: Step[] = [];
      for (let i = 0; i < searches; i++) {
        steps.push(
          hit
            ? { tool: "search_kb", args: { query: req.input }, result: [hit.article] }
            : { tool: "search_kb", args: { query: req.input }, result: [] },
        );
      }
      const right = random() < cfg.quality;
      const output = hit ? (right ? hit.answer : hit.wrong) : right ? NOT_FOUND : INVENTED;
      steps.push({ tool: "answer", args: { text: output } });
      const context = hit ? hit.article : "";
      const usage = {
        inputTokens: Math.round((200 + tokensOf(req.input) + tokensOf(context)) * cfg.cost_multiplier),
        outputTokens: Math.round((20 + tokensOf(output)) * cfg.cost_multiplier),
      };
      return { ...base, output, steps, usage, latencyMs: elapsed(), costUsd: costOf(usage, cfg.pricing), error: null };
    },
  };
}
