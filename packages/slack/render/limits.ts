/**
 * Slack's message limits, enforced on every rendered message. Slack rejects a message that breaks
 * a hard limit (`invalid_blocks`) and the user would get nothing at all, so renderers plan for
 * these budgets and `fitMessage` is the safety net that trims whatever still does not fit.
 *
 * - at most 50 blocks per message;
 * - a section's text at most 3,000 characters, at most 10 fields of at most 2,000;
 * - a header's plain text at most 150 characters;
 * - at most 10 elements in a context block;
 * - at most 25 elements in an actions block; a button's text at most 75 characters, its value
 *   2,000, its action_id 255 (unique in its block), its url 3,000; a block_id at most 255
 *   (unique in the message); a confirm dialog's title 100, text 300, confirm and deny 30
 *   (Slack's Block Kit reference: blocks, button element, confirmation dialog object);
 * - about 12,000 characters in all (Slack's practical ceiling for a readable message; the
 *   fallback `text` is counted separately and kept under 3,000).
 */
import type { ChatMessage } from "@sst-state/core/ports";
import { CUT_MARKER, esc } from "@sst-state/core/text/mrkdwn";
import type { Block, ConfirmDialog, SlackMessage, TextObject } from "./types.ts";

export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  contextElements: 10,
  contextText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  actionsElements: 25,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  totalChars: 12_000,
  fallbackText: 3000,
  /** a message of text only (no blocks): Slack's recommended ceiling (it cuts at 40,000) */
  plainText: 4000,
} as const;

const ELLIPSIS = "…";

/**
 * Cut `text` to at most `max` characters, preferably at a line end, and close a ``` fence the cut
 * left open so that the rest of the message still renders.
 */
export function truncate(text: string, max: number, marker = ELLIPSIS): string {
  if (text.length <= max) return text;
  const room = max - marker.length - 4; // 4 = "\n```" if a fence must be closed
  let cut = text.slice(0, Math.max(0, room));
  const nl = cut.lastIndexOf("\n");
  if (nl > room * 0.6) cut = cut.slice(0, nl);
  const fences = cut.split("```").length - 1;
  let out = cut + marker;
  if (fences % 2 === 1) out += "\n```";
  return out.slice(0, max);
}

function textsOf(block: Block): string[] {
  switch (block.type) {
    case "header":
      return [block.text.text];
    case "section":
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    case "context":
      return block.elements.map((e) => e.text);
    case "actions":
      return block.elements.map((e) => e.text.text + (e.value ?? ""));
    case "divider":
      return [];
    default:
      return [];
  }
}

/** Characters of text in the blocks (what Slack's overall size limit is about). */
export function blockChars(blocks: Block[]): number {
  let n = 0;
  for (const b of blocks) for (const t of textsOf(b)) n += t.length;
  return n;
}

/** Every limit the message breaks, as readable strings (empty when it is fine). */
export function limitViolations(msg: SlackMessage): string[] {
  const v: string[] = [];
  const blockIds = new Set<string>();
  if (msg.blocks.length > LIMITS.blocks) v.push(`${msg.blocks.length} blocks > ${LIMITS.blocks}`);
  // with blocks, `text` is only the notification fallback; a text-only message may be longer
  const textMax = msg.blocks.length ? LIMITS.fallbackText : LIMITS.plainText;
  if (msg.text.length > textMax) v.push(`fallback text ${msg.text.length} > ${textMax}`);
  const total = blockChars(msg.blocks);
  if (total > LIMITS.totalChars) v.push(`${total} characters in blocks > ${LIMITS.totalChars}`);
  msg.blocks.forEach((b, i) => {
    if (b.type === "header" && b.text.text.length > LIMITS.headerText) v.push(`block ${i}: header ${b.text.text.length} > ${LIMITS.headerText}`);
    if (b.type === "section") {
      if (!b.text && !b.fields?.length) v.push(`block ${i}: empty section`);
      if (b.text && b.text.text.length > LIMITS.sectionText) v.push(`block ${i}: section text ${b.text.text.length} > ${LIMITS.sectionText}`);
      if (b.text && b.text.text.length === 0) v.push(`block ${i}: empty section text`);
      if ((b.fields?.length ?? 0) > LIMITS.fields) v.push(`block ${i}: ${b.fields!.length} fields > ${LIMITS.fields}`);
      for (const f of b.fields ?? []) if (f.text.length > LIMITS.fieldText) v.push(`block ${i}: field ${f.text.length} > ${LIMITS.fieldText}`);
    }
    if (b.type === "context") {
      if (b.elements.length > LIMITS.contextElements) v.push(`block ${i}: ${b.elements.length} context elements > ${LIMITS.contextElements}`);
      if (b.elements.length === 0) v.push(`block ${i}: empty context`);
      for (const e of b.elements) if (e.text.length > LIMITS.contextText) v.push(`block ${i}: context text ${e.text.length} > ${LIMITS.contextText}`);
    }
    if (b.block_id !== undefined) {
      if (b.block_id.length > LIMITS.blockId) v.push(`block ${i}: block_id > ${LIMITS.blockId}`);
      if (blockIds.has(b.block_id)) v.push(`block ${i}: block_id "${b.block_id}" used twice`);
      blockIds.add(b.block_id);
    }
    if (b.type === "actions") {
      if (b.elements.length > LIMITS.actionsElements) v.push(`block ${i}: ${b.elements.length} elements > ${LIMITS.actionsElements}`);
      if (b.elements.length === 0) v.push(`block ${i}: empty actions`);
      const actionIds = new Set<string>();
      for (const e of b.elements) {
        if (e.text.text.length > LIMITS.buttonText) v.push(`block ${i}: button text > ${LIMITS.buttonText}`);
        if ((e.value ?? "").length > LIMITS.buttonValue) v.push(`block ${i}: button value > ${LIMITS.buttonValue}`);
        if ((e.url ?? "").length > LIMITS.buttonUrl) v.push(`block ${i}: button url > ${LIMITS.buttonUrl}`);
        if (e.action_id.length > LIMITS.actionId) v.push(`block ${i}: action_id > ${LIMITS.actionId}`);
        if (actionIds.has(e.action_id)) v.push(`block ${i}: action_id "${e.action_id}" used twice in the block`);
        actionIds.add(e.action_id);
        if (e.confirm) {
          if (e.confirm.title.text.length > LIMITS.confirmTitle) v.push(`block ${i}: confirm title > ${LIMITS.confirmTitle}`);
          if (e.confirm.text.text.length > LIMITS.confirmText) v.push(`block ${i}: confirm text > ${LIMITS.confirmText}`);
          if (e.confirm.confirm.text.length > LIMITS.confirmButton) v.push(`block ${i}: confirm button > ${LIMITS.confirmButton}`);
          if (e.confirm.deny.text.length > LIMITS.confirmButton) v.push(`block ${i}: deny button > ${LIMITS.confirmButton}`);
        }
      }
    }
  });
  return v;
}

function fitText(t: TextObject, max: number, marker?: string): TextObject {
  const text = t.text.length ? truncate(t.text, max, marker) : " ";
  return text === t.text ? t : { ...t, text };
}

/** A button's confirmation dialog within its limits (a stage name alone may be 128 characters). */
function fitConfirm(c: ConfirmDialog): ConfirmDialog {
  const fit = <T extends { text: string }>(t: T, max: number): T => ({ ...t, text: truncate(t.text, max) });
  return { ...c, title: fit(c.title, LIMITS.confirmTitle), text: fit(c.text, LIMITS.confirmText), confirm: fit(c.confirm, LIMITS.confirmButton), deny: fit(c.deny, LIMITS.confirmButton) };
}

function fitBlock(b: Block, marker?: string): Block {
  switch (b.type) {
    case "header":
      return { ...b, text: { ...b.text, text: truncate(b.text.text || " ", LIMITS.headerText) } };
    case "section": {
      const out: Block = { ...b };
      if (b.text) out.text = fitText(b.text, LIMITS.sectionText, marker);
      if (b.fields) out.fields = b.fields.slice(0, LIMITS.fields).map((f) => fitText(f, LIMITS.fieldText, marker));
      if (!out.text && !out.fields?.length) out.text = { type: "mrkdwn", text: " " };
      return out;
    }
    case "context":
      return { ...b, elements: b.elements.slice(0, LIMITS.contextElements).map((e) => fitText(e, LIMITS.contextText, marker)) };
    case "actions":
      return {
        ...b,
        elements: b.elements.map((e) => ({
          ...e,
          text: { ...e.text, text: truncate(e.text.text, LIMITS.buttonText) },
          ...(e.confirm ? { confirm: fitConfirm(e.confirm) } : {}),
        })),
      };
    case "divider":
      return b;
    default:
      // a block type the renderers here do not produce (from the core): passed on as it is
      return b;
  }
}

/**
 * A rendered message made safe to post: the fallback `text` — plain text by contract in every
 * renderer — escaped (Slack parses it for mentions and links too), then everything trimmed to
 * Slack's limits (`fitToLimits`).
 */
export function fitMessage(msg: SlackMessage, opts: { overflowNote?: string; marker?: string } = {}): SlackMessage {
  return fitToLimits({ text: esc(msg.text), blocks: msg.blocks }, opts);
}

/**
 * The message trimmed to every limit: each text cut to its block's limit, then blocks dropped
 * from the end (keeping room for one closing note) until the count and the total fit. Nothing is
 * escaped here (the notifier applies it to messages that are already escaped).
 */
export function fitToLimits(msg: SlackMessage, opts: { overflowNote?: string; marker?: string } = {}): SlackMessage {
  const blocks = msg.blocks.map((b) => fitBlock(b, opts.marker));
  const text = truncate(msg.text || " ", msg.blocks.length ? LIMITS.fallbackText : LIMITS.plainText, opts.marker);
  if (blocks.length <= LIMITS.blocks && blockChars(blocks) <= LIMITS.totalChars) return { text, blocks };

  const note = truncate(opts.overflowNote ?? "The message was too long for Slack; the rest is left out.", LIMITS.contextText);
  const noteBlock: Block = { type: "context", elements: [{ type: "mrkdwn", text: note }] };
  const budget = LIMITS.totalChars - note.length;
  const kept: Block[] = [];
  let chars = 0;
  for (const b of blocks) {
    if (kept.length >= LIMITS.blocks - 1) break;
    const n = blockChars([b]);
    if (chars + n > budget) {
      // shorten the first block that does not fit instead of dropping it when there is room
      const room = budget - chars;
      if (b.type === "section" && b.text && !b.fields && room > 200) {
        kept.push({ ...b, text: { ...b.text, text: truncate(b.text.text, room) } });
      }
      break;
    }
    kept.push(b);
    chars += n;
  }
  kept.push(noteBlock);
  return { text, blocks: kept };
}

/**
 * Pack lines into section blocks of at most `max` characters each (a long list becomes several
 * sections rather than one that Slack rejects). A single over-long line is truncated.
 */
export function linesToSections(lines: string[], max: number = LIMITS.sectionText): Block[] {
  const out: Block[] = [];
  let cur = "";
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (cur && cur.length + 1 + line.length > max) {
      out.push({ type: "section", text: { type: "mrkdwn", text: cur } });
      cur = "";
    }
    cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) out.push({ type: "section", text: { type: "mrkdwn", text: cur } });
  return out;
}

export function section(text: string): Block {
  return { type: "section", text: { type: "mrkdwn", text: truncate(text || " ", LIMITS.sectionText) } };
}

export function header(text: string): Block {
  return { type: "header", text: { type: "plain_text", text: truncate(text || " ", LIMITS.headerText), emoji: true } };
}

export function context(...texts: string[]): Block {
  return { type: "context", elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: "mrkdwn" as const, text: truncate(t || " ", LIMITS.contextText) })) };
}

export const divider: Block = { type: "divider" };

/** A chat message cut to Slack's limits, with the full text when something was cut. */
export interface FittedMessage {
  text: string;
  blocks?: unknown[];
  /** the full text, when something had to be cut */
  full?: string;
}

/**
 * Every message the bot posts goes through this (the Slack notifier calls it): a text or block
 * longer than Slack allows is cut and ends with "… (full text in the thread/file)", and `full`
 * holds the whole text for the notifier to upload in the message's thread.
 */
export function fitChatMessage(message: ChatMessage): FittedMessage {
  const blocks = (message.blocks ?? []) as Block[];
  const fitted = fitToLimits({ text: message.text, blocks }, { marker: CUT_MARKER, overflowNote: "The message was too long for Slack; the full text is in the thread." });
  const cut = fitted.text !== message.text || JSON.stringify(fitted.blocks) !== JSON.stringify(blocks);
  const full = cut ? [message.text, ...blocks.map((b) => (blockChars([b]) ? JSON.stringify(b) : ""))].filter(Boolean).join("\n\n") : undefined;
  return { text: fitted.text, ...(message.blocks ? { blocks: fitted.blocks } : {}), ...(full ? { full } : {}) };
}
