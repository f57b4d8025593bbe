// webmail.js - the few things the mail pages do in the browser: "select
// all" in the list, and keyboard shortcuts. Every page works without it.
//
//   list:  j / k  next / previous message    Enter  open it
//          x      select it                  # or Delete  delete selected
//          /      search
//   read:  j / k  next / previous message    u  back to the list
//          r      reply                      f  forward
//          p      print
//          # or Delete  delete this message
'use strict';

(function () {
  const all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', () => {
      for (const box of document.querySelectorAll('#messages td.sel input[type=checkbox]')) {
        box.checked = all.checked;
      }
    });
  }

  // printing needs the script; without it the button stays hidden and
  // the browser's own Print gives the same page (print style sheet)
  const print = document.getElementById('print');
  if (print) {
    print.hidden = false;
    print.addEventListener('click', () => window.print());
  }

  function typing(target) {
    const tag = target && target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' ||
      (target && target.isContentEditable);
  }

  function follow(id) {
    const a = document.getElementById(id);
    if (a && a.href) {
      window.location.assign(a.href);
      return true;
    }
    return false;
  }

  function rowLinks() {
    return Array.from(document.querySelectorAll('#messages td.subject a'));
  }

  function moveFocus(step) {
    const links = rowLinks();
    if (links.length === 0) return;
    let i = links.indexOf(document.activeElement);
    i = i < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
    links[i].focus();
  }

  function clickDelete() {
    const button = document.querySelector('button[name=op][value=delete]');
    if (button) button.click();
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    const list = document.getElementById('messages');
    let done = false;
    switch (e.key) {
      case 'j':
        done = list ? (moveFocus(1), true) : follow('next');
        break;
      case 'k':
        done = list ? (moveFocus(-1), true) : follow('prev');
        break;
      case 'u':
        done = !list && follow('back');
        break;
      case 'r':
        done = !list && follow('reply');
        break;
      case 'f':
        done = !list && follow('forward');
        break;
      case 'p':
        if (print) {
          window.print();
          done = true;
        }
        break;
      case 'x': {
        const row = document.activeElement && document.activeElement.closest('tr');
        const box = row && row.querySelector('td.sel input[type=checkbox]');
        if (box) {
          box.checked = !box.checked;
          done = true;
        }
        break;
      }
      case '#':
      case 'Delete':
        clickDelete();
        done = true;
        break;
      case '/': {
        const q = document.getElementById('q');
        if (q) {
          q.focus();
          done = true;
        }
        break;
      }
      default:
        break;
    }
    if (done) e.preventDefault();
  });
}());
