// The inline chat offer as a panel: progressive enhancement of the "Chat with an adviser" link.
// Without JavaScript the link goes to /chat/ and everything works there. With it, the link opens a panel
// below the error summary that posts to the same webchat endpoints (asking for JSON back) and polls the
// same messages.json, so the resident keeps their place on the step they are stuck on.
// Focus moves to the panel's heading when it opens and back to the link when it closes (Close or Escape);
// new messages are announced through the list's aria-live region. Text is added with textContent only.

const POLL_MS = 4000;

function label(sender) {
  if (sender === "system") return "Update";
  return sender === "resident" ? "You" : "Adviser";
}

function sameOrigin(path) {
  const url = new URL(path, window.location.origin);
  return url.origin === window.location.origin ? url : null;
}

function newKey() {
  const bytes = new Uint8Array(18);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function setUp(link) {
  const template = document.getElementById("chat-panel-template");
  const pollUrl = sameOrigin(link.dataset.poll || "");
  if (!template || !pollUrl) return;
  let panel = null;
  let started = "hasChat" in link.dataset;
  let timer = null;
  let lastId = 0;

  function addMessage(list, message) {
    if (list.querySelector(`[data-id="${Number(message.id)}"]`)) return;
    const item = document.createElement("li");
    item.className = `oxtom-chat__message oxtom-chat__message--${message.sender}`;
    item.dataset.id = String(Number(message.id));
    const who = document.createElement("span");
    who.className = "govuk-body-s govuk-!-font-weight-bold";
    who.textContent = `${label(message.sender)}: `;
    const body = document.createElement("span");
    body.className = "govuk-body";
    body.textContent = message.body;
    item.append(who, body);
    list.append(item);
    lastId = Math.max(lastId, Number(message.id));
  }

  function status(text) {
    panel.querySelector("#chat-panel-status").textContent = text;
  }

  async function poll() {
    window.clearTimeout(timer);
    pollUrl.searchParams.set("after", String(lastId));
    try {
      const response = await fetch(pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        started = data.status !== "closed";
        const list = panel.querySelector("#chat-panel-messages");
        for (const message of data.messages) addMessage(list, message);
        if (data.status === "active") status("An adviser is with you.");
        else if (data.status === "waiting") status("Waiting for an adviser. You can close this and carry on.");
        if (data.status === "closed") {
          status("The chat has ended.");
          return;
        }
      }
    } catch (error) {
      // A network blip: try again next time.
    }
    if (started && panel && !panel.hidden) timer = window.setTimeout(poll, POLL_MS);
  }

  function showError(text) {
    const group = panel.querySelector("#chat-panel-group");
    const error = panel.querySelector("#chat-panel-error");
    const textarea = panel.querySelector("#chat-panel-message");
    error.querySelector("[data-chat-panel-error-text]").textContent = text;
    error.hidden = !text;
    group.classList.toggle("govuk-form-group--error", Boolean(text));
    textarea.classList.toggle("govuk-textarea--error", Boolean(text));
    if (text) {
      textarea.setAttribute("aria-describedby", "chat-panel-error");
      textarea.focus();
    } else {
      textarea.removeAttribute("aria-describedby");
    }
  }

  async function send(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const textarea = form.querySelector("#chat-panel-message");
    if (!textarea.value.trim()) {
      showError("Enter a message");
      return;
    }
    const data = new FormData(form);
    data.set("client_key", newKey());
    const target = sameOrigin(started ? form.dataset.send : form.getAttribute("action"));
    if (!target) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(target, {
        method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const answer = await response.json().catch(() => ({ ok: false, error: "Your message could not be sent" }));
      if (answer.ok) {
        showError("");
        textarea.value = "";
        started = answer.status !== "closed";
        textarea.focus();
        await poll();
      } else {
        showError(answer.error || "Your message could not be sent");
      }
    } catch (error) {
      showError("Your message could not be sent. Check your connection and try again");
    } finally {
      button.disabled = false;
    }
  }

  function close() {
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    window.clearTimeout(timer);
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }

  function open(event) {
    event.preventDefault();
    if (!panel) {
      panel = template.content.firstElementChild.cloneNode(true);
      const anchor = link.closest(".govuk-error-summary") || link.closest("#chat-offer");
      anchor.insertAdjacentElement("afterend", panel);
      panel.querySelector("[data-chat-panel-form]").addEventListener("submit", send);
      panel.querySelector("[data-chat-panel-close]").addEventListener("click", close);
      panel.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          close();
        }
      });
      link.setAttribute("aria-controls", "chat-panel");
    }
    panel.hidden = false;
    link.setAttribute("aria-expanded", "true");
    panel.querySelector("#chat-panel-title").focus();
    if (started) poll();
  }

  link.addEventListener("click", open);
}

const offerLink = document.querySelector("[data-chat-panel]");
if (offerLink) setUp(offerLink);
