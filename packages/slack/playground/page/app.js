// The local Slack page (served by packages/slack/playground/server.ts). It renders the Block Kit the
// bot really sent to the local Slack Web API, and sends commands and clicks to the page's backend,
// which signs them and posts them to the bot's /slack/events as Slack does.
//
// Safety: every piece of text from a message becomes a DOM text node (textContent); no HTML is
// ever built from message text, and links keep only http(s) and mailto addresses.

const $ = (id) => document.getElementById(id);

let state = { people: [], channels: [], groups: [], messages: [], violations: [], command: "/sst-state", bot: { name: "sst-state" } };
let me = localStorage.getItem("sst-state-playground-user") || "";
let channel = "";
const openFiles = new Set();

// ---- emoji shortcodes (those the bot uses and a few common ones; unknown names stay as text, as
// Slack shows an emoji it does not know) -------------------------------------------------------
const EMOJI = {
  x: "❌", white_check_mark: "✅", heavy_check_mark: "✔️", warning: "⚠️", no_entry: "⛔", no_entry_sign: "🚫",
  lock: "🔒", unlock: "🔓", closed_lock_with_key: "🔐", hourglass: "⌛", hourglass_flowing_sand: "⏳",
  information_source: "ℹ️", heavy_plus_sign: "➕", heavy_minus_sign: "➖", pencil2: "✏️", clock3: "🕒",
  rewind: "⏪", red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡", white_circle: "⚪",
  inbox_tray: "📥", grey_question: "❔", question: "❓", boom: "💥", arrows_counterclockwise: "🔄", tada: "🎉",
  rocket: "🚀", eyes: "👀", "+1": "👍", thumbsup: "👍", "-1": "👎", fire: "🔥", wrench: "🔧", gear: "⚙️",
  mag: "🔍", memo: "📝", package: "📦", bulb: "💡", stopwatch: "⏱️", arrow_right: "➡️", bust_in_silhouette: "👤",
  wave: "👋", scroll: "📜", card_index_dividers: "🗂️", link: "🔗", shield: "🛡️", zap: "⚡", bell: "🔔",
};

// ---- mrkdwn → DOM -----------------------------------------------------------------------------
const decode = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const personName = (id) => state.people.find((p) => p.id === id)?.name;
const INLINE =
  /`([^`\n]+)`|<([^<>\n]+)>|(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]+?)\*(?![\p{L}\p{N}*])|(?<![\p{L}\p{N}_])_(?!\s)([^_\n]+?)_(?![\p{L}\p{N}_])|(?<![\p{L}\p{N}~])~(?!\s)([^~\n]+?)~(?![\p{L}\p{N}~])|:([a-z0-9_+'-]+):/gu;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function textWithEmoji(parent, text) {
  // plain_text with emoji: true — only shortcodes, no formatting
  let last = 0;
  for (const m of text.matchAll(/:([a-z0-9_+'-]+):/g)) {
    parent.append(text.slice(last, m.index));
    parent.append(EMOJI[m[1]] ?? m[0]);
    last = m.index + m[0].length;
  }
  parent.append(text.slice(last));
}

function safeHref(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function angle(parent, inner) {
  const [target, label] = inner.includes("|") ? [inner.slice(0, inner.indexOf("|")), inner.slice(inner.indexOf("|") + 1)] : [inner, undefined];
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const span = el("span", id === me ? "mention me" : "mention", `@${personName(id) ?? label ?? id}`);
    span.dataset.user = id;
    return parent.append(span);
  }
  if (target.startsWith("#")) return parent.append(el("span", "mention", `#${label ?? state.channels.find((c) => c.id === target.slice(1))?.name ?? target.slice(1)}`));
  if (target.startsWith("!subteam^")) {
    const id = target.slice("!subteam^".length);
    const handle = state.groups.find((g) => g.id === id)?.handle;
    return parent.append(el("span", "mention", handle ? `@${handle}` : label ?? `@${id}`));
  }
  if (target.startsWith("!")) {
    if (target.startsWith("!date^")) return parent.append(decode(label ?? ""));
    return parent.append(el("span", "mention", `@${decode(label ?? target.slice(1))}`));
  }
  const href = safeHref(decode(target));
  if (!href) return parent.append(decode(label ?? target));
  const a = el("a", "", decode(label ?? target));
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  parent.append(a);
}

function inline(parent, text) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    parent.append(decode(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) parent.append(el("code", "", decode(m[1])));
    else if (m[2] !== undefined) angle(parent, m[2]);
    else if (m[3] !== undefined) inline(parent.appendChild(el("b")), m[3]);
    else if (m[4] !== undefined) inline(parent.appendChild(el("i")), m[4]);
    else if (m[5] !== undefined) inline(parent.appendChild(el("s")), m[5]);
    else if (m[6] !== undefined) parent.append(EMOJI[m[6]] ?? m[0]);
  }
  parent.append(decode(text.slice(last)));
}

function mrkdwn(text) {
  const root = el("div", "mrkdwn");
  // code blocks first: nothing inside them is formatted
  const parts = text.split("```");
  parts.forEach((part, i) => {
    if (i % 2 === 1 && i < parts.length - 1) {
      root.append(el("pre", "", decode(part.replace(/^\n/, ""))));
      return;
    }
    const chunk = i % 2 === 1 ? "```" + part : part;
    const lines = chunk.split("\n");
    let buf = [];
    const flush = () => {
      if (!buf.length) return;
      const span = el("span");
      inline(span, buf.join("\n"));
      root.append(span);
      buf = [];
    };
    for (const line of lines) {
      const q = /^(?:&gt;|>) ?(.*)$/.exec(line);
      if (q) {
        flush();
        const bq = el("blockquote");
        inline(bq, q[1]);
        root.append(bq);
      } else buf.push(line);
    }
    flush();
  });
  return root;
}

function textObject(t) {
  if (!t || typeof t.text !== "string") return el("span");
  if (t.type === "mrkdwn") return mrkdwn(t.text);
  const span = el("span", "plain");
  textWithEmoji(span, t.text);
  return span;
}

// ---- Block Kit → DOM --------------------------------------------------------------------------
function renderBlock(block, msg) {
  switch (block?.type) {
    case "header": {
      const h = el("div", "block block-header");
      textWithEmoji(h, block.text?.text ?? "");
      return h;
    }
    case "section": {
      const s = el("div", "block section");
      if (block.text) s.append(textObject(block.text));
      if (Array.isArray(block.fields) && block.fields.length) {
        const f = el("div", "fields");
        for (const field of block.fields) f.append(textObject(field));
        s.append(f);
      }
      return s;
    }
    case "context": {
      const c = el("div", "block context");
      for (const e of block.elements ?? []) c.append(textObject(e));
      return c;
    }
    case "divider":
      return el("hr", "divider");
    case "actions": {
      const a = el("div", "block actions");
      for (const e of block.elements ?? []) {
        if (e.type !== "button") continue;
        const b = el("button", e.style === "primary" || e.style === "danger" ? e.style : "");
        textWithEmoji(b, e.text?.text ?? "");
        b.type = "button";
        b.dataset.actionId = e.action_id;
        b.addEventListener("click", () => click(msg, block, e, b));
        a.append(b);
      }
      return a;
    }
    default:
      return el("div", "block refusal", `(a ${block?.type ?? "malformed"} block: not shown here)`);
  }
}

function confirmDialog(confirm) {
  const d = $("confirm");
  $("confirm-title").textContent = confirm.title?.text ?? "Are you sure?";
  $("confirm-text").replaceChildren(textObject(confirm.text));
  $("confirm-ok").textContent = confirm.confirm?.text ?? "Yes";
  $("confirm-ok").className = confirm.style === "danger" ? "danger" : "primary";
  $("confirm-deny").textContent = confirm.deny?.text ?? "Cancel";
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "confirm"), { once: true });
    d.returnValue = "";
    d.showModal();
  });
}

async function click(msg, block, element, button) {
  if (element.confirm && !(await confirmDialog(element.confirm))) return;
  button.disabled = true;
  try {
    await post("/playground/action", { user: me, message: msg.id, blockId: block.block_id, actionId: element.action_id });
  } finally {
    button.disabled = false;
  }
}

// ---- messages -------------------------------------------------------------------------------
function author(id) {
  if (id === "bot") return { name: state.bot.name, cls: "bot", initial: "S", app: true };
  if (id === "slack") return { name: "Slackbot", cls: "slack", initial: "S", app: false };
  const i = state.people.findIndex((p) => p.id === id);
  const p = state.people[i];
  return { name: p?.realName ?? id, cls: `u${Math.max(0, i) % 4}`, initial: (p?.realName ?? id)[0], app: false };
}

const timeOf = (ts) => new Date(Number(ts.split(".")[0]) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function renderMessage(msg) {
  const who = author(msg.from);
  const row = el("div", "message");
  row.dataset.messageId = msg.id;
  row.dataset.from = msg.from;
  if (msg.ephemeralTo) row.classList.add("ephemeral");
  if (msg.violations) row.classList.add("refused");
  const avatar = el("div", `avatar ${who.cls}`, who.initial.toUpperCase());
  const body = el("div", "body");
  if (msg.ephemeralTo) body.append(el("div", "only-you", "👁 Only visible to you"));
  const meta = el("div", "meta");
  meta.append(el("span", "name", who.name));
  if (who.app) meta.append(el("span", "app-badge", "APP"));
  meta.append(el("span", "time", timeOf(msg.ts)));
  if (msg.edited) meta.append(el("span", "edited", "(edited)"));
  body.append(meta);
  if (msg.command) {
    const used = el("div", "used", `${personName(msg.command.user) ?? msg.command.user} used `);
    used.append(el("code", "", msg.command.text));
    body.append(used);
  }
  if (msg.violations) {
    const r = el("div", "refusal", "Slack would refuse this message (it breaks Slack's limits):");
    const ul = el("ul");
    for (const v of msg.violations) ul.append(el("li", "", v));
    r.append(ul);
    body.append(r);
  }
  if (Array.isArray(msg.blocks) && msg.blocks.length) for (const b of msg.blocks) body.append(renderBlock(b, msg));
  else if (msg.text) body.append(mrkdwn(msg.text));
  for (const f of msg.files ?? []) {
    const d = el("details", "file");
    d.dataset.fileId = f.id;
    d.open = openFiles.has(f.id);
    d.addEventListener("toggle", () => (d.open ? openFiles.add(f.id) : openFiles.delete(f.id)));
    const s = el("summary");
    s.append(el("span", "icon", "TXT"), el("span", "file-title", f.title), el("span", "file-name", f.name));
    d.append(s, el("pre", "", f.content));
    body.append(d);
  }
  row.append(avatar, body);
  return row;
}

// "dm": the bot's direct messages to the person you are (it posts them with channel = their id)
const DM = "dm";
const dmCount = () => state.messages.filter((m) => m.channel === me).length;

function visible(msg) {
  const where = channel === DM ? me : channel;
  return msg.channel === where && (!msg.ephemeralTo || msg.ephemeralTo === me);
}

function render() {
  $("workspace").textContent = state.workspace ?? "acme (local)";
  const ch = $("channels");
  ch.replaceChildren(
    ...state.channels.map((c) => {
      const li = el("li");
      const b = el("button", c.id === channel ? "active" : "", `# ${c.name}`);
      b.type = "button";
      b.addEventListener("click", () => {
        channel = c.id;
        render();
      });
      li.append(b);
      return li;
    }),
  );
  const dm = el("li");
  const dmButton = el("button", channel === DM ? "active" : "", `${state.bot.name} (app)`);
  dmButton.type = "button";
  dmButton.id = "dm";
  if (dmCount()) dmButton.append(el("span", "badge", String(dmCount())));
  dmButton.addEventListener("click", () => {
    channel = DM;
    render();
  });
  dm.append(dmButton);
  $("dms").replaceChildren(dm);
  const pp = $("people");
  pp.replaceChildren(
    ...state.people.map((p) => {
      const li = el("li");
      const b = el("button", "", p.realName);
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(p.id === me));
      b.dataset.user = p.id;
      b.append(el("span", "role", `@${p.name} · ${p.role}`));
      b.addEventListener("click", () => {
        me = p.id;
        localStorage.setItem("sst-state-playground-user", me);
        render();
      });
      li.append(b);
      return li;
    }),
  );
  const c = state.channels.find((x) => x.id === channel);
  $("channel-title").textContent = channel === DM ? `${state.bot.name} · direct messages to ${personName(me) ?? me}` : `# ${c?.name ?? channel}`;
  $("composer").hidden = channel === DM;
  $("composer-input").placeholder = `Message #${c?.name ?? ""} as ${personName(me) ?? me} — try ${state.command} status prod`;

  const v = $("violations");
  v.hidden = !state.violations.length;
  v.textContent = state.violations.length
    ? `${state.violations.length} message(s) broke Slack's limits and would be refused: ${state.violations.map((x) => `${x.where}: ${x.violations.join("; ")}`).join(" | ")}`
    : "";

  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const shown = state.messages.filter(visible);
  const roots = shown.filter((m) => !m.threadTs || m.threadTs === m.ts || !shown.some((p) => p.ts === m.threadTs));
  const nodes = roots.map((m) => {
    const node = renderMessage(m);
    const replies = shown.filter((r) => r.threadTs === m.ts && r.id !== m.id);
    if (replies.length) {
      const t = el("div", "thread");
      t.append(el("div", "thread-label", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
      for (const r of replies) t.append(renderMessage(r));
      node.querySelector(".body").append(t);
    }
    return node;
  });
  list.replaceChildren(...(nodes.length ? nodes : [el("div", "empty", `Nothing here yet. Type ${state.command} help below.`)]));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// ---- talking to the backend ------------------------------------------------------------------
async function post(path, body) {
  $("composer-error").textContent = "";
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) {
    const out = await res.json().catch(() => ({}));
    $("composer-error").textContent = out.error ? `Not sent: ${out.error}` : `The bot answered ${out.status ?? res.status}; see the message above.`;
  }
  return res.ok;
}

async function refresh() {
  const res = await fetch("/playground/state", { cache: "no-store" });
  state = await res.json();
  if (!state.people.some((p) => p.id === me)) me = state.people[0]?.id ?? "";
  if (channel !== DM && !state.channels.some((c) => c.id === channel)) channel = state.channels[0]?.id ?? "";
  render();
}

function connect() {
  const es = new EventSource("/playground/events");
  es.addEventListener("change", () => void refresh());
  es.onopen = () => {
    $("connection").textContent = "live";
    $("connection").className = "connection live";
  };
  es.onerror = () => {
    $("connection").textContent = "reconnecting…";
    $("connection").className = "connection";
  };
}

function chips() {
  const examples = ["help", "status prod", "history prod", "diff prod", "lock prod db migration", "unlock prod", "diagnose prod", "restore prod ~1", "locks"];
  $("chips").replaceChildren(
    ...examples.map((x) => {
      const b = el("button", "", `${state.command} ${x}`);
      b.type = "button";
      b.addEventListener("click", () => {
        $("composer-input").value = `${state.command} ${x}`;
        $("composer-input").focus();
      });
      return b;
    }),
  );
}

$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text) return;
  if (await post("/playground/command", { user: me, channel, text })) input.value = "";
});

await refresh();
chips();
connect();
