/**
 * Slack's message limits, checked on what the bot really sends (the JSON of chat.postMessage,
 * chat.update, chat.postEphemeral and response_url posts) rather than on the renderers' types:
 * the local Slack Web API runs this on every message and answers as Slack does when one breaks a
 * limit (`invalid_blocks`), and the local Slack page shows the violations.
 *
 * The shape is checked first (known block types, text objects where Slack wants them), then the
 * limits with render/limits.ts (`limitViolations`), the one list of limits in the code.
 */
import { limitViolations } from "../render/limits.ts";
import type { SlackMessage } from "../render/types.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function textObject(v: unknown, where: string, out: string[], plainOnly = false): void {
  if (!isObject(v) || typeof v.text !== "string") {
    out.push(`${where}: not a text object`);
    return;
  }
  if (plainOnly ? v.type !== "plain_text" : v.type !== "plain_text" && v.type !== "mrkdwn") out.push(`${where}: text type ${String(v.type)} is not ${plainOnly ? "plain_text" : "plain_text or mrkdwn"}`);
}

function shapeViolations(blocks: unknown[]): string[] {
  const out: string[] = [];
  blocks.forEach((b, i) => {
    if (!isObject(b)) return void out.push(`block ${i}: not an object`);
    if (b.block_id !== undefined && typeof b.block_id !== "string") out.push(`block ${i}: block_id is not a string`);
    switch (b.type) {
      case "header":
        return textObject(b.text, `block ${i}: header text`, out, true);
      case "section":
        if (b.text !== undefined) textObject(b.text, `block ${i}: section text`, out);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) return void out.push(`block ${i}: fields is not a list`);
          b.fields.forEach((f, j) => textObject(f, `block ${i}: field ${j}`, out));
        }
        return;
      case "context":
        if (!Array.isArray(b.elements)) return void out.push(`block ${i}: context elements is not a list`);
        return b.elements.forEach((e, j) => textObject(e, `block ${i}: context element ${j}`, out));
      case "divider":
        return;
      case "actions":
        if (!Array.isArray(b.elements)) return void out.push(`block ${i}: actions elements is not a list`);
        return b.elements.forEach((e, j) => {
          const where = `block ${i}: element ${j}`;
          if (!isObject(e) || e.type !== "button") return void out.push(`${where}: only buttons are expected`);
          textObject(e.text, `${where}: button text`, out, true);
          if (typeof e.action_id !== "string") out.push(`${where}: action_id is missing`);
          if (e.value !== undefined && typeof e.value !== "string") out.push(`${where}: value is not a string`);
          if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") out.push(`${where}: style must be primary or danger`);
          if (e.confirm !== undefined) {
            const c = e.confirm;
            if (!isObject(c)) return void out.push(`${where}: confirm is not an object`);
            textObject(c.title, `${where}: confirm title`, out, true);
            textObject(c.text, `${where}: confirm text`, out);
            textObject(c.confirm, `${where}: confirm button`, out, true);
            textObject(c.deny, `${where}: deny button`, out, true);
          }
        });
      default:
        out.push(`block ${i}: block type ${JSON.stringify(b.type)} is not one the bot renders`);
    }
  });
  return out;
}

/** Every limit (and shape rule) a posted message breaks; empty when Slack would take it. */
export function postedMessageViolations(body: { text?: unknown; blocks?: unknown }): string[] {
  const text = typeof body.text === "string" ? body.text : "";
  if (body.blocks === undefined) return limitViolations({ text, blocks: [] }).concat(text ? [] : ["no text and no blocks"]);
  if (!Array.isArray(body.blocks)) return ["blocks is not a list"];
  const shape = shapeViolations(body.blocks);
  if (shape.length) return shape;
  return limitViolations({ text, blocks: body.blocks } as SlackMessage);
}
