/* Caser privacy chat widget: <script src="https://ASSISTANT/widget.js" defer></script>
   Vanilla JS, no build step. Talks to ASSISTANT/api/v1/chat (CORS limited to configured origins).
   Never stores what the visitor types; the conversation lives in this page only. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : window.location.origin;
  var TEXT = {
    es: { open: "¿Dudas sobre tus datos?", title: "Asistente de privacidad", close: "Cerrar", send: "Enviar",
          placeholder: "Escribe tu pregunta…", label: "Tu pregunta", sources: "Fuente", write: "Escribir la solicitud",
          note: "No compartas aquí datos personales (DNI, correo, póliza).", error: "No se ha podido responder. Inténtalo de nuevo.",
          wait: "Demasiadas preguntas seguidas; espera un momento." },
    fr: { open: "Une question sur vos données ?", title: "Assistant confidentialité", close: "Fermer", send: "Envoyer",
          placeholder: "Votre question…", label: "Votre question", sources: "Source", write: "Rédiger la demande",
          note: "Ne partagez pas ici de données personnelles.", error: "Réponse impossible. Réessayez.",
          wait: "Trop de questions ; patientez un instant." },
    en: { open: "Questions about your data?", title: "Privacy assistant", close: "Close", send: "Send",
          placeholder: "Type your question…", label: "Your question", sources: "Source", write: "Write the request",
          note: "Please don't share personal data here.", error: "Could not answer. Please try again.",
          wait: "Too many questions; please wait a moment." },
    ca: { open: "Dubtes sobre les teves dades?", title: "Assistent de privacitat", close: "Tanca", send: "Envia",
          placeholder: "Escriu la teva pregunta…", label: "La teva pregunta", sources: "Font", write: "Redacta la sol·licitud",
          note: "No comparteixis aquí dades personals (DNI, correu, pòlissa).", error: "No s'ha pogut respondre. Torna-ho a provar.",
          wait: "Massa preguntes seguides; espera un moment." }
  };
  var lang = ((document.documentElement.lang || navigator.language || "es").slice(0, 2)).toLowerCase();
  if (!TEXT[lang]) { lang = "es"; }
  var T = TEXT[lang];
  var history = [];

  var css = document.createElement("link");
  css.rel = "stylesheet"; css.href = base + "/widget.css";
  document.head.appendChild(css);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var bubble = el("button", { "class": "dpo-chat-bubble", "type": "button", "aria-expanded": "false",
                               "aria-controls": "dpo-chat-panel" }, T.open);
  var panel = el("section", { "class": "dpo-chat-panel", "id": "dpo-chat-panel", "role": "dialog",
                              "aria-label": T.title, "hidden": "" });
  var head = el("div", { "class": "dpo-chat-head" });
  head.appendChild(el("h2", {}, T.title));
  var closeBtn = el("button", { "type": "button", "aria-label": T.close }, "×");
  head.appendChild(closeBtn);
  var log = el("div", { "class": "dpo-chat-log", "role": "log", "aria-live": "polite" });
  var form = el("form", { "class": "dpo-chat-form" });
  var input = el("input", { "type": "text", "maxlength": "1000", "placeholder": T.placeholder, "aria-label": T.label,
                            "autocomplete": "off" });
  var send = el("button", { "type": "submit" }, T.send);
  form.appendChild(input); form.appendChild(send);
  panel.appendChild(head); panel.appendChild(log);
  panel.appendChild(el("p", { "class": "dpo-chat-note" }, T.note));
  panel.appendChild(form);
  document.body.appendChild(bubble); document.body.appendChild(panel);

  function toggle(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { input.focus(); } else { bubble.focus(); }
  }
  bubble.addEventListener("click", function () { toggle(panel.hidden); });
  closeBtn.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { toggle(false); } });

  function say(text, who) {
    var msg = el("div", { "class": "dpo-chat-msg " + who }, text);
    log.appendChild(msg); log.scrollTop = log.scrollHeight;
    return msg;
  }

  /* Buttons that ask a question for the visitor: the first screen's common questions, and the two
     close readings of an unsure answer (API field "suggestions"). */
  function offer(questions) {
    if (!questions || !questions.length) { return; }
    var box = el("div", { "class": "dpo-chat-suggestions", "role": "group" });
    questions.forEach(function (s) {
      var b = el("button", { "type": "button", "class": "dpo-chat-suggestion", "data-intent": s.intent }, s.question);
      b.addEventListener("click", function () { box.remove(); ask(s.question); });
      box.appendChild(b);
    });
    log.appendChild(box); log.scrollTop = log.scrollHeight;
  }

  var welcomed = false;
  function welcome() {
    if (welcomed) { return; }
    welcomed = true;
    fetch(base + "/widget/welcome?lang=" + encodeURIComponent(lang))
      .then(function (r) { return r.ok ? r.json() : { questions: [] }; })
      .then(function (data) { if (!log.children.length) { offer(data.questions); } })
      .catch(function () { /* the first screen works without its buttons */ });
  }
  bubble.addEventListener("click", welcome);

  function render(answer) {
    var msg = say(answer.text, "bot");
    (answer.citations || []).forEach(function (c) {
      var d = el("details", {});
      d.appendChild(el("summary", {}, T.sources + ": " + c.title));
      d.appendChild(el("p", {}, c.passage));
      msg.appendChild(d);
    });
    if (answer.mailto) {
      var a = el("a", { "href": answer.mailto }, T.write);
      msg.appendChild(el("br")); msg.appendChild(a);
    }
    offer(answer.suggestions);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    ask(input.value.trim());
  });

  function ask(q) {
    if (!q) { return; }
    say(q, "user"); input.value = ""; send.disabled = true;
    fetch(base + "/api/v1/chat", { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify({ question: q, lang: lang, history: history.slice(-4) }) })
      .then(function (r) {
        if (r.status === 429) { throw new Error("wait"); }
        if (!r.ok) { throw new Error("error"); }
        return r.json();
      })
      .then(function (answer) { history.push(q); render(answer); })
      .catch(function (err) { say(err.message === "wait" ? T.wait : T.error, "bot"); })
      .then(function () { send.disabled = false; input.focus(); });
  }
})();
