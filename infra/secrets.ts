// The Slack app's credentials (DESIGN §4), set once per stage:
//   npx sst secret set SlackSigningSecret <Basic Information → Signing Secret>
//   npx sst secret set SlackBotToken xoxb-…   (OAuth & Permissions → Bot User OAuth Token)
// Linked to the functions that need them; they read `Resource.<Name>.value` (packages/functions/env.ts).
export const slackSigningSecret = new sst.Secret("SlackSigningSecret");
export const slackBotToken = new sst.Secret("SlackBotToken");
