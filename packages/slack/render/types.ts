/**
 * The Block Kit subset the renderers produce. Kept small and explicit so that `limits.ts` can
 * check every text it contains; Slack accepts these objects as they are.
 */
export interface TextObject {
  type: "mrkdwn" | "plain_text";
  text: string;
  emoji?: boolean;
}

export interface ButtonElement {
  type: "button";
  text: { type: "plain_text"; text: string; emoji?: boolean };
  action_id: string;
  value?: string;
  style?: "primary" | "danger";
  url?: string;
  /** a dialog Slack shows before the click is sent */
  confirm?: ConfirmDialog;
}

export interface ConfirmDialog {
  title: { type: "plain_text"; text: string };
  text: TextObject;
  confirm: { type: "plain_text"; text: string };
  deny: { type: "plain_text"; text: string };
  style?: "primary" | "danger";
}

export type Block =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji?: boolean }; block_id?: string }
  | { type: "section"; text?: TextObject; fields?: TextObject[]; block_id?: string }
  | { type: "context"; elements: TextObject[]; block_id?: string }
  | { type: "divider"; block_id?: string }
  | { type: "actions"; elements: ButtonElement[]; block_id?: string };

/** A message as posted: `text` is the notification/fallback text, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** A file too large for a message, uploaded into the message's thread. */
export interface SlackFile {
  filename: string;
  title: string;
  content: string;
}

/** What a verb answers: where it goes, and possibly a file for the thread. */
export interface Reply {
  message: SlackMessage;
  /** `in_channel`: everyone in the channel sees it; `ephemeral`: only the person who asked */
  visibility: "in_channel" | "ephemeral";
  file?: SlackFile;
}
