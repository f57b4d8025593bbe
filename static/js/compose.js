/* compose.js - the compose page's helpers: address suggestions from the
 * address books, a draft saved in the background every minute, an upload
 * progress bar and files dropped onto the form. The page works without
 * it; nothing here builds HTML from strings. */
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) return;
  var base = form.action.replace(/\/mail\/compose$/, "");
  var files = document.getElementById("c-attach");
  var status = document.getElementById("c-status");

  /* the browser's time zone, for a time picked to send at */
  var tz = document.getElementById("c-tz");
  try {
    if (tz && !tz.value)
      tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) { /* the server's zone then */ }

  function say(text) {
    if (status) status.textContent = text;
  }

  /* ---- address suggestions ---- */
  function lastToken(value) {
    var i = Math.max(value.lastIndexOf(","), value.lastIndexOf(";"));
    return { head: value.slice(0, i + 1), tok: value.slice(i + 1).trim() };
  }

  function attachSuggest(input) {
    var list = document.createElement("ul");
    var timer = null, items = [], active = -1;
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.id = input.id + "-suggest";
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      items = [];
      active = -1;
    }
    function choose(item) {
      var t = lastToken(input.value);
      var who = item.name ? '"' + item.name.replace(/["\\]/g, "") + '" <' +
        item.email + ">" : item.email;
      input.value = (t.head ? t.head + " " : "") + who + ", ";
      close();
      input.focus();
    }
    function show(found) {
      while (list.firstChild) list.removeChild(list.firstChild);
      items = found;
      active = -1;
      found.forEach(function (item, n) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = item.name ? item.name + " <" + item.email + ">" :
          item.email;
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          choose(items[n]);
        });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
    }
    function mark(n) {
      var lis = list.querySelectorAll("li");
      for (var i = 0; i < lis.length; i++)
        lis[i].classList.toggle("active", i === n);
      active = n;
    }
    input.addEventListener("input", function () {
      var t = lastToken(input.value).tok;
      clearTimeout(timer);
      if (t.length < 1) return close();
      timer = setTimeout(function () {
        fetch(base + "/mail/suggest?q=" + encodeURIComponent(t),
              { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) {
            if (lastToken(input.value).tok === t) show(found);
          })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") {
        mark(Math.min(active + 1, items.length - 1));
        e.preventDefault();
      } else if (e.key === "ArrowUp") {
        mark(Math.max(active - 1, 0));
        e.preventDefault();
      } else if (e.key === "Enter" && active >= 0) {
        choose(items[active]);
        e.preventDefault();
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
  ["c-to", "c-cc", "c-bcc"].forEach(function (id) {
    var input = document.getElementById(id);
    if (input) attachSuggest(input);
  });

  /* ---- the draft, every minute when something changed ---- */
  var changed = false, saving = false;
  form.addEventListener("input", function () { changed = true; });

  function keptList(attachments) {
    var box = document.getElementById("kept-attachments");
    if (!box) {
      box = document.createElement("fieldset");
      box.id = "kept-attachments";
      box.className = "kept";
      var legend = document.createElement("legend");
      legend.textContent = form.dataset.attachments || "";
      box.appendChild(legend);
      form.insertBefore(box, files.closest(".field"));
    }
    box.querySelectorAll("label").forEach(function (l) { l.remove(); });
    attachments.forEach(function (a) {
      var label = document.createElement("label");
      var box1 = document.createElement("input");
      box1.type = "checkbox";
      box1.name = "keep";
      box1.value = String(a.no);
      box1.checked = true;
      label.appendChild(box1);
      label.appendChild(document.createTextNode(" " + a.name + " (" +
        a.size + " B)"));
      box.appendChild(label);
    });
    box.hidden = attachments.length === 0;
  }

  function autosave() {
    if (!changed || saving) return;
    var data = new FormData(form);
    data.delete("attach");        /* new files go with the real save */
    data.set("op", "save");
    data.set("autosave", "1");
    saving = true;
    changed = false;
    fetch(form.action, { method: "POST", body: data,
                         credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (d) {
        form.elements.draft.value = String(d.draft);
        form.elements.src_uid.value = String(d.draft);
        form.elements.src_f.value = d.src_f;
        keptList(d.attachments);
        say((form.dataset.autosaved || "") + " " +
            new Date().toLocaleTimeString());
      })
      .catch(function () { changed = true; })
      .then(function () { saving = false; });
  }
  setInterval(autosave, 60000);

  /* ---- files: dropped onto the form, sent with a progress bar ---- */
  form.addEventListener("dragover", function (e) {
    if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types,
                                                        "Files") >= 0) {
      e.preventDefault();
      form.classList.add("drop");
    }
  });
  form.addEventListener("dragleave", function () {
    form.classList.remove("drop");
  });
  form.addEventListener("drop", function (e) {
    form.classList.remove("drop");
    if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
    e.preventDefault();
    var dt = new DataTransfer();
    Array.prototype.forEach.call(files.files, function (f) { dt.items.add(f); });
    Array.prototype.forEach.call(e.dataTransfer.files,
                                 function (f) { dt.items.add(f); });
    files.files = dt.files;
  });

  form.addEventListener("submit", function (e) {
    if (!files || files.files.length === 0 || !window.XMLHttpRequest) return;
    e.preventDefault();
    var data = new FormData(form);
    if (e.submitter && e.submitter.name)
      data.set(e.submitter.name, e.submitter.value);
    var bar = document.getElementById("c-progress");
    bar.hidden = false;
    bar.value = 0;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) bar.value = ev.loaded / ev.total;
    };
    xhr.onload = function () {
      /* the answer is a page: where the redirect led, or the form
         again with its message */
      if (xhr.status < 400 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      bar.hidden = true;
      say(form.dataset.failed || "");
    };
    xhr.send(data);
  });
})();
