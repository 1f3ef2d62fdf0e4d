/* Caser privacy chat widget: <script src="https://ASSISTANT/widget.js" defer></script>
   Vanilla JS, no build step. Talks to ASSISTANT/api/v1/chat (CORS limited to configured origins).
   Never stores what the visitor types; the conversation lives in this page only.
   Its words come from the server's gettext catalogs (assistant/web/widget.py fills the marker below). */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : window.location.origin;
  var TEXT = /*DPO_TEXT*/{}/*END*/;
  var lang = ((document.documentElement.lang || navigator.language || "es").slice(0, 2)).toLowerCase();
  if (!TEXT[lang]) { lang = TEXT.es ? "es" : Object.keys(TEXT)[0]; }
  var T = TEXT[lang];
  var history = [];
  // "(web.job_applications)": a knowledge-base id, for machines; and the inline "Source: …" the list below repeats.
  var INTERNAL_ID = /\s*\((?:[a-z0-9_]+\.)+[a-z0-9_]+\)/g;
  var INLINE_SOURCE = /\s*(?:Fuente|Fuentes|Source|Sources|Font|Fonts)\s*:\s*[^.]*?\((?:[a-z0-9_]+\.)+[a-z0-9_]+\)\s*\.?/g;

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
                              "aria-modal": "true", "aria-labelledby": "dpo-chat-title", "hidden": "" });
  var head = el("div", { "class": "dpo-chat-head" });
  head.appendChild(el("h2", { "id": "dpo-chat-title" }, T.title));
  var closeBtn = el("button", { "type": "button", "aria-label": T.close }, "×");
  head.appendChild(closeBtn);
  var log = el("div", { "class": "dpo-chat-log", "role": "log", "aria-live": "polite", "aria-label": T.log,
                        "tabindex": "0" });
  var form = el("form", { "class": "dpo-chat-form" });
  var input = el("input", { "type": "text", "maxlength": "1000", "placeholder": T.placeholder, "aria-label": T.label,
                            "autocomplete": "off" });
  var send = el("button", { "type": "submit" }, T.send);
  form.appendChild(input); form.appendChild(send);
  // DOM order is the visual order (title and close, conversation, note, question), so Tab follows the eye.
  panel.appendChild(head); panel.appendChild(log);
  panel.appendChild(el("p", { "class": "dpo-chat-note" }, T.note));
  panel.appendChild(form);
  document.body.appendChild(bubble); document.body.appendChild(panel);

  function focusable() {
    var nodes = panel.querySelectorAll("button, input, a[href], summary, [tabindex='0']");
    return Array.prototype.filter.call(nodes, function (n) {
      return !n.disabled && n.getClientRects().length > 0;
    });
  }

  function toggle(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { input.focus(); } else { bubble.focus(); }
  }
  bubble.addEventListener("click", function () { toggle(panel.hidden); });
  closeBtn.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { toggle(false); return; }
    if (e.key !== "Tab") { return; }
    var items = focusable();  // focus stays in the open panel (WAI-ARIA dialog pattern)
    if (!items.length) { return; }
    var first = items[0], last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });

  function say(text, who) {
    var msg = el("div", { "class": "dpo-chat-msg " + who });
    msg.appendChild(el("p", {}, text));
    log.appendChild(msg);
    showStart(msg);
    return msg;
  }

  function showStart(msg) {  // the start of the newest message in view, not its tail
    log.scrollTop += msg.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  }

  function clean(text) {
    return text.replace(INLINE_SOURCE, "").replace(INTERNAL_ID, "").trim();
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
    log.appendChild(box);  // no scroll: the answer above keeps its start in view
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
    var A = TEXT[answer.language] || T;  // labels in the answer's language
    var msg = say(clean(answer.text || ""), "bot");
    msg.setAttribute("lang", answer.language || lang);
    var seen = {};
    var sources = (answer.citations || []).filter(function (c) {
      var key = c.id || c.title;
      if (seen[key] || seen[c.title]) { return false; }
      seen[key] = true; seen[c.title] = true;
      return true;
    });
    if (sources.length) {
      msg.appendChild(el("p", { "class": "dpo-chat-sources" }, A.sources));
      var list = el("ul", {});
      sources.forEach(function (c) {
        var item = el("li", {});
        var d = el("details", {});
        d.appendChild(el("summary", {}, clean(c.title || "")));
        d.appendChild(el("p", {}, clean(c.passage || "")));
        item.appendChild(d); list.appendChild(item);
      });
      msg.appendChild(list);
    }
    if (answer.mailto) {
      var p = el("p", {});
      p.appendChild(el("a", { "href": answer.mailto }, A.write));
      msg.appendChild(p);
    }
    showStart(msg);
    offer(answer.suggestions);
  }

  // Issue #16: "did this answer your question?" The server works the answer out again and keeps the
  // question only masked, for a limited time; nothing is sent unless the visitor clicks.
  function askFeedback(q, past, language) {
    var A = TEXT[language] || T;
    var box = el("div", { "class": "dpo-chat-feedback", "role": "group", "aria-label": A.ask });
    box.appendChild(el("span", {}, A.ask));
    [[true, A.yes], [false, A.no]].forEach(function (choice) {
      var b = el("button", { "type": "button" }, choice[1]);
      b.addEventListener("click", function () {
        fetch(base + "/api/v1/chat/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ question: q, lang: lang, history: past, helpful: choice[0] }) })
          .catch(function () { return null; });
        box.textContent = A.thanks;
        input.focus();
      });
      box.appendChild(b);
    });
    var answers = log.querySelectorAll(".dpo-chat-msg.bot");
    answers[answers.length - 1].appendChild(box);  // under the answer, above any suggested questions
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    ask(input.value.trim());
  });

  function ask(q) {
    if (!q) { return; }
    say(q, "user"); input.value = ""; send.disabled = true;
    var past = history.slice(-4);
    fetch(base + "/api/v1/chat", { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify({ question: q, lang: lang, history: past }) })
      .then(function (r) {
        if (r.status === 429) { throw new Error("wait"); }
        if (!r.ok) { throw new Error("error"); }
        return r.json();
      })
      .then(function (answer) { history.push(q); render(answer); askFeedback(q, past, answer.language); })
      .catch(function (err) { say(err.message === "wait" ? T.wait : T.error, "bot"); })
      .then(function () { send.disabled = false; input.focus(); });
  }
})();
