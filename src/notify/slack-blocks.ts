import { sparkline } from "../alerts/digest.ts";
import {
  alertLine,
  costChangeText,
  firingSince,
  headline,
  listedCases,
  pct,
  plainText,
  recovery,
  recoveryText,
  usd,
  withInterval,
} from "./format.ts";
import type { Notification } from "../alerts/notification.ts";
import { severityOf } from "../alerts/notification.ts";

/** Slack's mrkdwn needs &, < and > escaped; everything else is literal. */
export const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Attachment colours: Slack's red and yellow while firing, green once resolved. */
export const COLORS = { critical: "#E01E5A", warning: "#ECB22E", resolved: "#2EB67D" } as const;

/** How many alerts a message lists before "…and N more" (Block Kit caps text at 3000 characters). */
const MAX_LISTED = 15;

type Block = Record<string, unknown>;

const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } });

/** The Block Kit body of a group's root message, as it stands after this notification. */
export function rootBlocks(n: Notification): Block[] {
  const open = n.kind !== "resolved";
  const title = `${open ? (severityOf(n) === "critical" ? "🔴" : "🟠") : "✅"} ${open ? "FIRING" : "RESOLVED"} · ${n.job}`;
  const blocks: Block[] = [{ type: "header", text: { type: "plain_text", text: clip(title, 150), emoji: true } }];
  const listed = n.alerts.slice(0, MAX_LISTED).map((a) => {
    const line = esc(alertLine(a, false));
    return a.state === "resolved" && open ? `~${line}~ resolved` : line;
  });
  if (n.alerts.length > MAX_LISTED) listed.push(`…and ${n.alerts.length - MAX_LISTED} more`);
  blocks.push(section(listed.join("\n")));
  const c = n.context;
  if (c) {
    const fields: Block[] = [];
    const r = open ? null : recovery(n);
    if (c.accuracy) fields.push({ type: "mrkdwn", text: `*Accuracy now*\n${withInterval(c.accuracy)}` });
    if (r) {
      // Resolved: against the reference the incident was measured by (the recent runs' baseline has the incident in it).
      fields.push({ type: "mrkdwn", text: r.reference !== null ? `*Reference*\n${pct(r.reference)}` : `*Floor*\n${pct(r.floor!)}` });
      if (r.lowPoint !== null) fields.push({ type: "mrkdwn", text: `*Low point*\n${pct(r.lowPoint)}` });
    } else {
      fields.push({
        type: "mrkdwn",
        text: c.baseline ? `*Baseline (${c.baseline.runs} runs)*\n${withInterval(c.baseline)}` : "*Baseline*\nnot enough runs yet",
      });
    }
    blocks.push({ type: "section", fields });
    const scored = c.recent.filter((v): v is number => v !== null);
    if (c.recent.length > 1 && scored.length > 0) {
      blocks.push(section(`*Recent runs* \`${sparkline(c.recent)}\` ${pct(scored[0]!)} → ${pct(scored[scored.length - 1]!)}`));
    }
    const cases = listedCases(n);
    if (cases.length > 0) {
      const lines = cases.map(
        (f) =>
          `• ${f.url ? `<${f.url}|\`${esc(f.id)}\`>` : `\`${esc(f.id)}\``} ${f.passes}/${f.scored} passed${f.errors > 0 ? `, ${f.errors} errors` : ""}${f.baselineRate !== null ? ` (baseline ${pct(f.baselineRate)})` : ""}`,
      );
      blocks.push(section(`*${open ? "Failing cases" : "Still failing"}*\n${lines.join("\n")}`));
    }
    if (c.cost) {
      const base = c.cost.baselinePerTrial !== null ? ` (baseline ${usd(c.cost.baselinePerTrial)})` : "";
      const change = costChangeText(c.cost.top);
      const top = change ? `\nTop change: ${esc(change)}` : "";
      blocks.push(section(`*Cost per trial* ${usd(c.cost.nowPerTrial)}${base}${top}`));
    }
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: clip(`Dig in: \`${esc(c.sql)}\``, 3000) }] });
    const buttons: Block[] = [];
    // The run page first: from the page to the failing answers in one click.
    if (c.runUrl)
      buttons.push({
        type: "button",
        text: { type: "plain_text", text: "Open run" },
        url: c.runUrl,
        action_id: "goldwatch_run",
        style: "primary",
      });
    if (c.dashboardUrl)
      buttons.push({
        type: "button",
        text: { type: "plain_text", text: "Open dashboard" },
        url: c.dashboardUrl,
        action_id: "goldwatch_dashboard",
      });
    if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: esc(`agent ${n.agent} · run ${n.runId} · goldwatch`) }] });
  return blocks;
}

/** chat.postMessage / chat.update arguments (without channel and ts) for the root message. */
export function rootMessage(n: Notification) {
  const color = n.kind === "resolved" ? COLORS.resolved : COLORS[severityOf(n)];
  return {
    // Shown above the coloured attachment and in notifications: what broke, in one line.
    text: esc(headline(n)),
    attachments: [{ color, fallback: plainText(n), blocks: rootBlocks(n) }],
  };
}

/** The thread reply that says what this notification changed. */
export function threadText(n: Notification): string {
  const c = n.context;
  const acc = c?.accuracy ? `accuracy now ${withInterval(c.accuracy)}${c.baseline ? ` vs baseline ${withInterval(c.baseline)}` : ""}` : "";
  const lines: string[] = [];
  if (n.kind === "reminder") {
    const since = firingSince(n);
    const firing = n.alerts.filter((a) => a.state === "firing");
    lines.push(`⏰ Still firing${since ? ` after ${since}` : ""}: ${firing.length} alert${firing.length === 1 ? "" : "s"}`);
    for (const a of firing.slice(0, MAX_LISTED)) lines.push(esc(alertLine(a, false)));
  } else if (n.kind === "resolved") {
    const since = firingSince(n);
    const r = recovery(n);
    lines.push(`✅ Resolved${since ? ` after ${since}` : ""}: ${r ? recoveryText(r) : "all clear"}`);
    const still = listedCases(n);
    if (still.length > 0) lines.push(`still failing: ${still.map((f) => `\`${esc(f.id)}\` ${f.passes}/${f.scored}`).join(", ")}`);
  } else {
    for (const a of n.alerts.filter((x) => x.change === "new").slice(0, MAX_LISTED)) lines.push(`Also firing: ${esc(alertLine(a, false))}`);
    for (const a of n.alerts.filter((x) => x.change === "resolved").slice(0, MAX_LISTED))
      lines.push(`Resolved: ${esc(alertLine(a, false))}`);
  }
  // A resolve states the recovery against the reference instead (the recent baseline has the incident in it).
  if (acc && !(n.kind === "resolved" && recovery(n))) lines.push(acc);
  if (c && c.recent.length > 1) lines.push(`recent runs \`${sparkline(c.recent)}\``);
  return lines.join("\n");
}
