/**
 * The people and the channel of the local Slack page (and of the demo policy): one requester, one
 * approver (also in the `sre` user group) and someone who is neither. Kept in one place so the
 * demo policy (`approvers`, `channel`) and the page's "who you are" switch name the same ids.
 */
export interface DemoPerson {
  id: string;
  name: string;
  realName: string;
  /** what this person is for in the demo, shown in the page's switch */
  role: string;
}

export interface DemoGroup {
  id: string;
  handle: string;
  members: string[];
}

export const DEMO_CHANNEL = { id: "C0DEMODEPLOYS", name: "deploys" } as const;

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { id: "U0DEMOALICE", name: "alice", realName: "Alice Martin", role: "requester" },
  { id: "U0DEMOBOB", name: "bob", realName: "Bob Chen", role: "approver" },
  { id: "U0DEMOCAROL", name: "carol", realName: "Carol Diaz", role: "someone else" },
];

export const DEMO_GROUPS: readonly DemoGroup[] = [{ id: "S0DEMOSRE", handle: "sre", members: ["U0DEMOBOB"] }];

/** The demo policy's approvers: the approver and the group they are in. */
export const DEMO_APPROVERS: readonly string[] = ["U0DEMOBOB", "S0DEMOSRE"];
