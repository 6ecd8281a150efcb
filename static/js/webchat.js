// Webchat: fetch new messages every few seconds and add them to the list.
// Optional: without JavaScript the page works by sending the form and reloading.
// Same origin only; message text is added with textContent, never as HTML.

const POLL_MS = 4000;

function label(sender, viewer) {
  if (sender === "system") return "Update";
  if (sender === viewer) return "You";
  return sender === "adviser" ? "Adviser" : "Resident";
}

function addMessage(list, message, viewer) {
  const item = document.createElement("li");
  item.className = `oxtom-chat__message oxtom-chat__message--${message.sender}`;
  item.dataset.id = String(message.id);
  const who = document.createElement("span");
  who.className = "govuk-body-s govuk-!-font-weight-bold";
  who.textContent = label(message.sender, viewer);
  const when = document.createElement("span");
  when.className = "govuk-body-s govuk-hint";
  const time = new Date(message.sent_at);
  when.textContent = ` at ${String(time.getHours()).padStart(2, "0")}:${String(time.getMinutes()).padStart(2, "0")}`;
  const body = document.createElement("p");
  body.className = "govuk-body";
  body.textContent = message.body;
  item.append(who, when, body);
  list.append(item);
}

function lastId(list) {
  const items = list.querySelectorAll("[data-id]");
  return items.length ? Number(items[items.length - 1].dataset.id) : 0;
}

function start() {
  const form = document.querySelector("[data-webchat-form]");
  const list = document.getElementById("chat-messages");
  if (!form || !list) return;
  const url = new URL(form.dataset.poll, window.location.origin);
  if (url.origin !== window.location.origin) return;
  const viewer = form.dataset.viewer;
  let stopped = false;

  async function poll() {
    if (stopped) return;
    url.searchParams.set("after", String(lastId(list)));
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        for (const message of data.messages) {
          if (!list.querySelector(`[data-id="${Number(message.id)}"]`)) addMessage(list, message, viewer);
        }
        const status = document.getElementById("chat-status");
        if (status && data.status === "active") status.textContent = "An adviser is with you.";
        if (data.status === "closed") {
          stopped = true;
          if (status) status.textContent = "The chat has ended.";
          return;
        }
      }
    } catch (error) {
      // Network blip: try again next time.
    }
    window.setTimeout(poll, POLL_MS);
  }
  window.setTimeout(poll, POLL_MS);
}

start();
