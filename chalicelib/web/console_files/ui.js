// Small helpers shared by the screens: building elements (text is always set
// as text, never as HTML), messages, the confirmation dialog, formats.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// A labelled control: <label for> + control (+ hint), keyboard and screen-reader friendly.
export function field(label, control, hint) {
  if (!control.id) control.id = uid('campo');
  const parts = [h('label', { for: control.id }, label), control];
  if (hint) {
    const hintId = uid('dica');
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'dica' }, hint));
  }
  return h('div', { class: 'campo' }, parts);
}

// An on/off switch (a checkbox with the switch role) with its label and an optional hint: { el, input }.
export function switchControl(label, checked, hint) {
  const input = h('input', { type: 'checkbox', role: 'switch', checked: Boolean(checked) });
  const parts = [h('label', { class: 'chave' }, input, h('span', { class: 'trilho', 'aria-hidden': 'true' }), ` ${label}`)];
  if (hint) {
    const hintId = uid('dica');
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'dica' }, hint));
  }
  return { el: h('div', { class: 'campo' }, parts), input };
}

// A message box: errors are alerts (read out at once), the rest status messages.
// A floating box (over the calendar, so the grid does not move under the pointer) can be closed.
export function showMessage(box, kind, msg, errors = []) {
  const reasons = errors.filter((e) => !msg.endsWith(e)); // the API often repeats its message as the only error
  const list = reasons.length ? h('ul', {}, reasons.map((e) => h('li', {}, e))) : null;
  const close = box.classList.contains('flutuante')
    ? h('button', { type: 'button', class: 'fechar', 'aria-label': 'Fechar mensagem', onclick: () => box.replaceChildren() }, '×')
    : null;
  replace(box, h('div', { class: `mensagem ${kind}`, role: kind === 'erro' ? 'alert' : 'status' },
    close, h('p', {}, msg), list));
}

export function showError(box, error) {
  if (error && error.name === 'ApiError') showMessage(box, 'erro', error.message, error.errors);
  else {
    showMessage(box, 'erro', 'Erro inesperado no console.');
    throw error;
  }
}

export function clearMessage(box) {
  box.replaceChildren();
}

export function messageBox(floating = false) {
  return h('div', { class: floating ? 'mensagens flutuante' : 'mensagens', 'aria-live': 'polite' });
}

// A table (its caption read out, not shown; one column heading each) in a box that scrolls sideways on a
// narrow screen, focusable so the keyboard scrolls it too; `body` its <tbody>, filled by fillRows.
export function dataTable(caption, headings, body, className = '') {
  return h('div', { class: 'rolagem', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', { class: `tabela ${className}`.trim() },
      h('caption', { class: 'visualmente-oculto' }, caption),
      h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col' }, t)))),
      body));
}

// A table's rows, or one row across its `columns` saying there are none (`empty`).
export function fillRows(body, items, row, columns, empty) {
  replace(body, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: columns }, empty)));
}

// The previous / next buttons of a paged list (the API's `paginacao` block); `go(page)` loads another page.
export function pager(nav, info, page, noun, go) {
  const lastPage = Math.max(0, info.ultima_pagina);
  replace(nav,
    h('button', { type: 'button', class: 'secundario', disabled: page <= 0, onclick: () => go(page - 1) },
      '‹ Anterior'),
    h('span', {}, `Página ${page + 1} de ${lastPage + 1} · ${info.total_registros} ${noun}`),
    h('button', { type: 'button', class: 'secundario', disabled: page >= lastPage, onclick: () => go(page + 1) },
      'Próxima ›'));
}

// What a customer can be searched by (GET cliente's `busca`), in the order a screen offers them.
const CUSTOMER_SEARCH = {
  nome_razaosocial: 'Nome',
  nome_fantasia: 'Nome fantasia',
  cpf_cnpj: 'CPF/CNPJ',
  codigo_cliente: 'Código do cliente',
  id_cliente_servico: 'Código do serviço',
  telefone: 'Telefone',
  login: 'Login do serviço',
};

export function customerSearchBy(keys) {
  return h('select', {}, keys.map((key) => h('option', { value: key }, CUSTOMER_SEARCH[key])));
}

// The page's one confirmation dialog (a native <dialog>: focus trapped, Esc cancels).
export function confirmDialog(title, text, confirmLabel) {
  const dialog = document.querySelector('dialog.confirmacao');
  dialog.querySelector('h2').textContent = title;
  dialog.querySelector('.confirmacao-texto').textContent = text;
  dialog.querySelector('button[value="confirmar"]').textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirmar'), { once: true });
    dialog.showModal();
    dialog.querySelector('button[value="cancelar"]').focus();
  });
}

// Puts `text` on the clipboard (a boleto's typeable line, a PIX code): the Clipboard API, else a selected
// textarea and the copy command (an older or restricted browser). Resolves to whether it was copied.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const before = document.activeElement;
    const area = h('textarea', { readonly: true, class: 'visualmente-oculto', 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
      if (before instanceof HTMLElement) before.focus();
    }
  }
}

// Runs an action from a button: disabled (and marked busy) until it settles.
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A form that sends one call: on submit (the masked fields checked first, their problems shown in `box`),
// `send()` runs with `button` busy; a refusal is shown in `box` as the API says it, scrolled into view.
export function onSubmit(form, button, box, send) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = validateFields(form);
    if (problems.length) {
      showMessage(box, 'erro', 'Corrija os campos destacados.', problems);
      return;
    }
    await busy(button, async () => {
      try {
        await send();
      } catch (error) {
        showError(box, error);
        box.scrollIntoView({ block: 'nearest' });
      }
    });
  });
}

// Every number, date and time is shown and typed the Brazilian way whatever the browser's language:
// formats name 'pt-BR' explicitly, and dates, times and money are typed in text inputs with a mask
// (dateInput, timeInput, moneyInput below), never in <input type=date|time>, which follow the browser.
const MONEY = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
const AMOUNT = new Intl.NumberFormat('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// An amount in reais (the API's `valor`: 1234.5) → "R$ 1.234,50".
export function money(value) {
  return MONEY.format(Number(value || 0));
}

// An amount in cents (123450) → "R$ 1.234,50".
export function moneyCents(cents) {
  return MONEY.format(Number(cents || 0) / 100);
}

export function pad(n) {
  return String(n).padStart(2, '0');
}

// Local (wall-clock) date of a Date as YYYY-MM-DD.
export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function isoTime(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function addDays(day, count) {
  const [y, m, d] = day.split('-').map(Number);
  return isoDate(new Date(y, m - 1, d + count));
}

export function today() {
  return isoDate(new Date());
}

// A date kept in the address in the API's form (`?inicio=2026-12-24`), or '' when absent or not one.
export function dateParam(params, name) {
  const value = params.get(name) || '';
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : '';
}

// "2026-12-14" or "2026-12-14 10:00:00" / "2026-12-14T10:00:00" → "14/12/2026" / "14/12/2026 10:00".
export function dateBR(text) {
  if (!text) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(text);
  if (!match) return text;
  const [, y, m, d, hh, mm] = match;
  return hh ? `${d}/${m}/${y} ${hh}:${mm}` : `${d}/${m}/${y}`;
}

export function hhmm(text) {
  return text ? text.slice(0, 5) : '';
}

export const ORDER_STATUS = {
  aguardando_agendamento: 'Aguardando agendamento',
  pendente: 'Pendente',
  finalizado: 'Finalizado',
  cancelado: 'Cancelado',
};

// ------------------------------------------------- typed dates, times and money (pt-BR)
// Text inputs with a mask: digits only, the separators put in while typing ("24122026" shows
// "24/12/2026"), an impossible value said in Portuguese next to the field (and as the field's
// validity message, so a form's own check stops on it too). Each input carries its value in the
// API's form: `isoValue` ("2026-12-24", "09:30") on dates and times, `cents` (123456) on money;
// `checkField()` shows and returns its problem ('' when none). ArrowUp/ArrowDown step a date by a
// day and a time by `step` minutes.

// "24/12/2026" → "2026-12-24"; null when incomplete or impossible (31/02/2026, 10/13/2026).
export function parseDateBR(text) {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(String(text ?? '').trim());
  if (!match) return null;
  const [day, month, year] = match.slice(1).map(Number);
  if (year < 1900 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return `${match[3]}-${match[2]}-${match[1]}`;
}

// "09:30" → "09:30"; null when incomplete or impossible (24:00, 10:60).
export function parseTimeBR(text) {
  const match = /^(\d{2}):(\d{2})$/.exec(String(text ?? '').trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  return match[0];
}

// "1.234,56", "1234,56", "1234,5", "1234" or "R$ 1.234,56" → cents (123456); null when not an amount
// in the Brazilian form ("1,234.56", "12.34", "1.2345" are not).
export function parseMoneyBR(text) {
  const typed = String(text ?? '').trim().replace(/^R\$\s*/, '');
  if (!/^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?$/.test(typed)) return null;
  const [whole, fraction = ''] = typed.replace(/\./g, '').split(',');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

// Cents as typed in a money input: 123456 → "1.234,56".
export function formatCentsBR(cents) {
  return AMOUNT.format(cents / 100);
}

// A date input: `value` an ISO date ("2026-12-24") or ''.
export function dateInput({ value = '', required = false } = {}) {
  const input = maskedInput('data', {
    inputmode: 'numeric', placeholder: 'dd/mm/aaaa', pattern: '\\d{2}/\\d{2}/\\d{4}', required,
    title: 'Data no formato dd/mm/aaaa',
  }, {
    digits: 8, cuts: [2, 4], separator: '/',
    // A date pasted in the API's form ("2026-12-24") is taken as such.
    pasted: (text) => /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim())?.slice(1).reverse().join(''),
    complete: (text) => text.length === 10,
    problem(text) {
      if (!text) return required ? 'Informe a data.' : '';
      if (text.length < 10) return 'Data incompleta: use dd/mm/aaaa.';
      return parseDateBR(text) ? '' : `Data inexistente: ${text}.`;
    },
    step: (text, up) => (parseDateBR(text) ? dateBR(addDays(parseDateBR(text), up ? 1 : -1)) : null),
  });
  Object.defineProperty(input, 'isoValue', {
    get: () => parseDateBR(input.value) || '',
    set: (iso) => input.setText(iso ? dateBR(iso) : ''),
  });
  input.isoValue = value;
  return input;
}

// A time input (24 hours): `value` "09:30" or "09:30:00" or ''; `step` the minutes ArrowUp/ArrowDown move.
export function timeInput({ value = '', required = false, step = 5 } = {}) {
  const input = maskedInput('hora', {
    inputmode: 'numeric', placeholder: 'hh:mm', pattern: '\\d{2}:\\d{2}', required, title: 'Horário no formato hh:mm',
  }, {
    digits: 4, cuts: [2], separator: ':',
    pasted: () => null,
    complete: (text) => text.length === 5,
    problem(text) {
      if (!text) return required ? 'Informe o horário.' : '';
      if (text.length < 5) return 'Horário incompleto: use hh:mm.';
      return parseTimeBR(text) ? '' : `Horário inexistente: ${text}.`;
    },
    step(text, up) {
      const time = parseTimeBR(text);
      if (!time) return null;
      const [hours, minutes] = time.split(':').map(Number);
      const day = 24 * 60;
      const next = (((Math.round((hours * 60 + minutes) / step) * step + (up ? step : -step)) % day) + day) % day;
      return `${pad(Math.floor(next / 60))}:${pad(next % 60)}`;
    },
  });
  Object.defineProperty(input, 'isoValue', {
    get: () => parseTimeBR(input.value) || '',
    set: (time) => input.setText(time ? String(time).slice(0, 5) : ''),
  });
  input.isoValue = value;
  return input;
}

// A money input in reais: `cents` (123456, shown "1.234,56") or null; `min` the least amount, in cents.
// Typed as "1.234,56" or "1234,56" (the comma before the cents); shown back in full when the field is left.
export function moneyInput({ cents = null, required = false, min = null } = {}) {
  const input = h('input', {
    type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0,00', required,
    pattern: '(\\d{1,3}(\\.\\d{3})+|\\d+)(,\\d{1,2})?', title: 'Valor em reais, como 1.234,56',
    dataset: { mascara: 'valor' },
  });
  const problem = (text) => {
    if (!text) return required ? 'Informe o valor.' : '';
    const typed = parseMoneyBR(text);
    if (typed === null) return `Valor inválido: ${text}. Use o formato 1.234,56.`;
    if (min !== null && typed < min) return `O valor mínimo é ${moneyCents(min)}.`;
    return '';
  };
  wireChecks(input, problem, () => false);
  input.addEventListener('input', () => {
    // Only digits, dots and the comma stay; the caret stays after what was typed.
    const caret = input.selectionStart ?? input.value.length;
    const kept = input.value.slice(0, caret).replace(/[^\d.,]/g, '');
    const cleaned = kept + input.value.slice(caret).replace(/[^\d.,]/g, '');
    if (cleaned !== input.value) {
      input.value = cleaned;
      if (document.activeElement === input) input.setSelectionRange(kept.length, kept.length);
    }
  }, { capture: true });
  input.addEventListener('change', () => {
    const typed = parseMoneyBR(input.value);
    if (typed !== null) input.value = formatCentsBR(typed);
  }, { capture: true });
  Object.defineProperty(input, 'cents', {
    get: () => (problem(input.value.trim()) ? null : parseMoneyBR(input.value)),
    set: (value) => input.setText(value === null || value === undefined ? '' : formatCentsBR(value)),
  });
  input.cents = cents;
  return input;
}

// Shows each masked input's problem under `root` (or `root` itself when it is one), focuses the first
// one, and returns them as "Label: problem" lines for a message box; [] when every one is right.
export function validateFields(root) {
  const inputs = (root.matches?.('[data-mascara]') ? [root] : [...root.querySelectorAll('[data-mascara]')])
    .filter((input) => !input.disabled);
  const problems = inputs.map((input) => [input, input.checkField()]).filter(([, message]) => message);
  if (problems.length) problems[0][0].focus();
  return problems.map(([input, message]) => {
    const label = input.labels?.[0]?.textContent.trim();
    return label ? `${label}: ${message}` : message;
  });
}

// Shows (or clears, with '') a field's problem right after it, tied to it by aria-describedby.
export function showFieldError(input, message) {
  let note = input.errorNote;
  if (!message) {
    input.removeAttribute('aria-invalid');
    if (note) {
      note.textContent = '';
      note.hidden = true;
    }
    return;
  }
  if (!note) {
    note = h('small', { id: uid('erro'), class: 'erro-campo' });
    input.after(note);
    input.errorNote = note;
    const described = input.getAttribute('aria-describedby');
    input.setAttribute('aria-describedby', described ? `${described} ${note.id}` : note.id);
  }
  note.textContent = message;
  note.hidden = false;
  input.setAttribute('aria-invalid', 'true');
}

function maskedInput(kind, attrs, mask) {
  const input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs, dataset: { mascara: kind } });
  let before = '';
  input.addEventListener('beforeinput', () => {
    before = input.value.replace(/\D/g, '');
  });
  input.addEventListener('input', (event) => applyMask(input, event, before, mask), { capture: true });
  input.addEventListener('keydown', (event) => {
    if ((event.key !== 'ArrowUp' && event.key !== 'ArrowDown') || event.altKey || event.ctrlKey || event.metaKey) return;
    const next = mask.step(input.value, event.key === 'ArrowUp');
    if (next === null) return;
    event.preventDefault();
    input.setText(next);
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  wireChecks(input, mask.problem, mask.complete);
  return input;
}

// Validity kept current on every keystroke. The problem is shown when the field is left, when a
// full value is impossible, or when a form's own check stops on it; while a value is being typed
// again it is hidden, and it goes as soon as the value is right.
function wireChecks(input, problem, complete) {
  const current = () => problem(input.value.trim());
  input.addEventListener('input', () => {
    const message = current();
    input.setCustomValidity(message);
    showFieldError(input, complete(input.value) ? message : '');
  });
  input.addEventListener('change', () => input.checkField());
  input.addEventListener('invalid', () => showFieldError(input, input.validationMessage));
  input.checkField = () => {
    const message = current();
    input.setCustomValidity(message);
    showFieldError(input, message);
    return message;
  };
  // Set by code: shown as is, its problem (if any) waits for the user.
  input.setText = (text) => {
    input.value = text;
    input.setCustomValidity(current());
    showFieldError(input, '');
  };
}

function applyMask(input, event, previous, mask) {
  const raw = input.value;
  const caret = input.selectionStart ?? raw.length;
  const pasted = mask.pasted(raw);
  let head;
  let tail;
  if (pasted) {
    head = pasted;
    tail = '';
  } else {
    head = raw.slice(0, caret).replace(/\D/g, '');
    tail = raw.slice(caret).replace(/\D/g, '');
  }
  const type = event.inputType || '';
  const unchanged = head + tail === previous;
  if (type === 'deleteContentBackward' && unchanged && head) {
    head = head.slice(0, -1); // Backspace over a separator erases the digit before it
  } else if (type === 'deleteContentForward' && unchanged && tail) {
    tail = tail.slice(1);
  } else if (type === 'insertText' && /^\D$/.test(event.data || '')) {
    // A separator typed after a group's only digit ("9:", "1/") pads it: "09:", "01/".
    const start = [0, ...mask.cuts].filter((cut) => cut <= head.length).pop();
    if (head.length - start === 1 && mask.cuts.some((cut) => cut > start)) {
      head = `${head.slice(0, -1)}0${head.slice(-1)}`;
    }
  }
  const digits = (head + tail).slice(0, mask.digits);
  let text = '';
  for (const [index, digit] of [...digits].entries()) {
    text += (mask.cuts.includes(index) ? mask.separator : '') + digit;
  }
  // "24" typed becomes "24/" (never while erasing, or the separator could not be erased).
  if (type.startsWith('insert') && !tail && mask.cuts.includes(digits.length)) text += mask.separator;
  input.value = text;
  if (document.activeElement === input) {
    const position = caretAfterDigits(text, Math.min(head.length, digits.length));
    input.setSelectionRange(position, position);
  }
}

// The position just after the `count`-th digit of `text` (and after a separator that follows it).
function caretAfterDigits(text, count) {
  if (!count) return 0;
  let seen = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (/\d/.test(text[i])) seen += 1;
    if (seen === count) {
      let end = i + 1;
      while (end < text.length && /\D/.test(text[end])) end += 1;
      return end;
    }
  }
  return text.length;
}

// The browser's own checks (required, min, max, step...) speak its language: these say them in
// Portuguese. Installed once by app.js; masked inputs say their own.
export function validationInPortuguese(root = document) {
  root.addEventListener('invalid', (event) => {
    const el = event.target;
    if (el.dataset.mascara || (el.validity.customError && !el.dataset.mensagemNativa)) return;
    el.setCustomValidity('');
    if (el.validity.valid) return;
    el.setCustomValidity(nativeProblem(el));
    el.dataset.mensagemNativa = 'true';
  }, true);
  const clear = (event) => {
    const el = event.target;
    if (!el.dataset?.mensagemNativa) return;
    delete el.dataset.mensagemNativa;
    el.setCustomValidity('');
  };
  root.addEventListener('input', clear, true);
  root.addEventListener('change', clear, true);
}

function nativeProblem(el) {
  const v = el.validity;
  if (v.valueMissing) {
    if (el.type === 'checkbox') return 'Marque esta opção para continuar.';
    return el.tagName === 'SELECT' || el.type === 'radio' ? 'Escolha uma opção.' : 'Preencha este campo.';
  }
  if (v.badInput) return 'Digite um número.';
  if (v.rangeUnderflow) return `O valor mínimo é ${el.min}.`;
  if (v.rangeOverflow) return `O valor máximo é ${el.max}.`;
  if (v.stepMismatch) {
    const step = Number(el.step) || 1;
    const base = Number(el.min) || 0;
    const lower = base + Math.floor((Number(el.value) - base) / step) * step;
    return `Valor inválido: os mais próximos são ${lower} e ${lower + step}.`;
  }
  if (v.tooLong) return `Use no máximo ${el.maxLength} caracteres.`;
  if (v.tooShort) return `Use ao menos ${el.minLength} caracteres.`;
  if (v.typeMismatch) return el.type === 'email' ? 'Informe um e-mail válido.' : 'Informe um endereço válido.';
  if (v.patternMismatch) return el.title || 'Use o formato pedido.';
  return 'Valor inválido.';
}
