// The chat room's browser client (chapter 8): plain JavaScript, no build step,
// served by `chat server --web ADDR` beside the page.
//
// The protocol, over one WebSocket to /ws:
//   1. our first text message is the nickname;
//   2. when the room has a secret (chapter 7) the server answers with a 32-byte
//      challenge in one binary message; we answer with HMAC-SHA256(key,
//      challenge) in one binary message. The key itself is never sent;
//   3. then each text message we send is one line (the same commands as the
//      terminal client: /msg, /me, /nick, /list, /help, /quit), and each text
//      message we receive is one line of the room, as the terminal shows it.
"use strict";

const joinForm = document.getElementById("join");
const sayForm = document.getElementById("say");
const nickInput = document.getElementById("nick");
const keyInput = document.getElementById("key");
const lineInput = document.getElementById("line");
const log = document.getElementById("log");
const status = document.getElementById("status");

let socket = null;
let joined = false;

// ANCHOR: show
// Shows one line of the room. Every line may hold another member's text, so
// it goes in with textContent, never innerHTML: `<img src=x onerror=...>` from
// mallory must stay text on everyone's screen, not become markup that runs
// code in their page (cross-site scripting, XSS). It is the browser's twin of
// the terminal's rule in this chapter: a peer's bytes must not become control
// codes on someone else's terminal.
function show(line) {
  const item = document.createElement("li");
  item.textContent = line;
  item.className = kindOf(line);
  log.append(item);
  log.scrollTop = log.scrollHeight;
}
// ANCHOR_END: show

// The server's markers: `* ` notices, `= ` answers, `! ` errors, `[private`.
function kindOf(line) {
  if (line.startsWith("! ")) return "error";
  if (line.startsWith("= ")) return "answer";
  if (line.startsWith("* ")) return "notice";
  if (line.startsWith("[private")) return "private";
  return "message";
}

// ANCHOR: answer
// Chapter 7's answer, computed by the browser's Web Crypto API. Browsers offer
// it only in a secure context: https, or a page from this machine (127.0.0.1,
// localhost).
async function answer(challenge) {
  if (!window.crypto || !crypto.subtle) {
    throw new Error("Web Crypto needs https or a loopback address (127.0.0.1, localhost)");
  }
  const key = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode(keyInput.value),
    { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, challenge);
}
// ANCHOR_END: answer

// ANCHOR: connect
function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  status.textContent = "Connecting…";
  socket.onopen = () => {
    status.textContent = "Connected.";
    socket.send(nickInput.value);
  };
  socket.onmessage = async (event) => {
    if (typeof event.data !== "string") {
      try {
        socket.send(await answer(event.data));
      } catch (error) {
        show(`! ${error.message}`);
        socket.close();
      }
      return;
    }
    show(event.data);
    if (!joined && event.data.startsWith("= welcome")) {
      joined = true;
      joinForm.hidden = true;
      sayForm.hidden = false;
      lineInput.focus();
    }
  };
  socket.onclose = () => {
    status.textContent = "Disconnected.";
    socket = null;
    joined = false;
    joinForm.hidden = false;
    sayForm.hidden = true;
  };
}
// ANCHOR_END: connect

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket && socket.readyState === WebSocket.OPEN) {
    // Still joining: the nickname was taken or refused; try this one.
    socket.send(nickInput.value);
  } else if (!socket) {
    connect();
  }
});

sayForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket && lineInput.value !== "") {
    socket.send(lineInput.value);
    lineInput.value = "";
  }
});
