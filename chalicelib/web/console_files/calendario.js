// Agenda de Técnicos: the week/day calendar of OS, one column per agenda or
// per technician (EventCalendar's resource time grid), and its edit mode.
//
// Edit mode: the bar turns red and the edit button becomes an X. Each drag
// (another day/time, or another column) and each resize of an OS is sent to
// ordem_servico/reagendar, one after the other. A refusal puts the OS back
// where it was and shows the server's reason. The X leaves edit mode and
// undoes what is not saved yet: changes still waiting are dropped; one on
// its way is undone (rescheduled back) if the server took it. Then the
// calendar is read again, so it shows what the server holds.
import { api } from './api.js';
import {
  ORDER_STATUS, busy, clearMessage, dateBR, dateInput, dateParam, field, h, isoDate, isoTime, messageBox, replace,
  showError, showMessage, timeInput, today, validateFields,
} from './ui.js';

const NARROW = '(max-width: 720px)';
const VIEWS = { semana: 'resourceTimeGridWeek', dia: 'resourceTimeGridDay' };
const EDIT_PERMISSION = 'Agendar ordem de serviço';
const WEEKDAY = new Intl.DateTimeFormat('pt-BR', { weekday: 'long' });
// The roles and attributes of a table EventCalendar gives its grid; see plainGrid.
const GRID_ROLES = ['table', 'rowgroup', 'row', 'columnheader', 'rowheader', 'cell'];
const GRID_ATTRIBUTES = ['aria-colindex', 'aria-colspan', 'aria-colcount', 'aria-rowindex', 'aria-rowspan', 'aria-rowcount'];

export function render(main, ctx) {
  const narrow = window.matchMedia(NARROW).matches;
  const params = ctx.params;
  const state = {
    date: dateParam(params, 'data') || today(),
    view: VIEWS[params.get('visao')] ? params.get('visao') : (narrow ? 'dia' : 'semana'),
    // A technician's user sees their own lane unless they ask otherwise.
    verPor: (params.get('ver') || (ctx.user.id_tecnico ? 'tecnico' : 'agenda')) === 'tecnico' ? 'tecnico' : 'agenda',
    agendas: idSet(params.get('agendas')),
    tecnicos: idSet(params.get('tecnicos')),
    editing: false,
    range: null,
  };
  if (ctx.user.id_tecnico && state.verPor === 'tecnico' && !state.tecnicos.size) state.tecnicos.add(ctx.user.id_tecnico);
  const canEdit = ctx.can(EDIT_PERMISSION);
  const pending = []; // changes not answered yet, in the order they were made
  let queue = Promise.resolve();
  let loads = 0;
  let ec = null;
  let gridWatcher = null;

  // ------------------------------------------------------------ the bar
  const period = h('p', { class: 'periodo', 'aria-live': 'polite' });
  const verPor = segmented('Ver por', [['agenda', 'Agendas'], ['tecnico', 'Técnicos']], state.verPor, (value) => {
    state.verPor = value;
    renderFilters();
    remember();
    load();
  });
  const visao = segmented('Visão', [['semana', 'Semana'], ['dia', 'Dia']], state.view, (value) => {
    state.view = value;
    remember();
    ec?.setOption('view', VIEWS[value]);
  });
  const goTo = dateInput({ value: state.date });
  goTo.addEventListener('change', () => {
    if (goTo.isoValue) ec?.setOption('date', goTo.isoValue);
  });
  // Enter in the field goes there at once (the field is in no form).
  goTo.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && goTo.isoValue) ec?.setOption('date', goTo.isoValue);
  });
  const nav = h('div', { class: 'grupo navegacao', role: 'group', 'aria-label': 'Navegar no calendário' },
    h('button', { type: 'button', onclick: () => ec?.prev(), 'aria-label': 'Período anterior' }, '‹ Anterior'),
    h('button', { type: 'button', onclick: () => ec?.setOption('date', today()) }, 'Hoje'),
    h('button', { type: 'button', onclick: () => ec?.next(), 'aria-label': 'Próximo período' }, 'Próximo ›'),
    field('Ir para a data', goTo));
  const editIcon = h('span', { class: 'icone', 'aria-hidden': 'true' });
  const editLabel = h('span', { class: 'rotulo' });
  const editButton = h('button', { type: 'button', class: 'botao-editar', onclick: () => toggleEdit() },
    editIcon, editLabel);
  const bar = h('div', { class: 'barra-agenda', role: 'region', 'aria-label': 'Barra da agenda' },
    h('div', { class: 'titulo' }, h('h1', {}, 'Agenda de Técnicos'), period),
    verPor.el, visao.el, nav, canEdit ? editButton : null);
  const hint = h('p', { class: 'dica-edicao', hidden: true },
    'Modo de edição: arraste uma OS para outro dia, horário ou coluna, ou puxe a borda de baixo para mudar a duração. ',
    'Cada mudança é salva na hora; o X sai da edição e desfaz o que ainda não foi salvo. ',
    'Pelo teclado: foque uma OS e tecle Enter para reagendá-la.');

  // -------------------------------------------------------- the filters
  const lists = { agendas: [], tecnicos: [] };
  const filters = h('div', { class: 'filtros' });
  const box = messageBox(true);
  const holder = h('div', { class: 'calendario', 'data-pendentes': '0', 'data-estado': 'carregando' });
  const dialog = h('dialog', { class: 'detalhes-os', 'aria-labelledby': 'detalhes-os-titulo' });
  const section = h('section', { class: 'tela tela-agenda' }, bar, hint, filters, box, holder, dialog);
  main.append(section);
  updateEditButton();

  function remember() {
    const p = new URLSearchParams();
    p.set('data', state.date);
    p.set('visao', state.view);
    p.set('ver', state.verPor);
    if (state.agendas.size) p.set('agendas', [...state.agendas].join(','));
    if (state.tecnicos.size) p.set('tecnicos', [...state.tecnicos].join(','));
    ctx.setParams(p);
  }

  function renderFilters() {
    replace(filters,
      lists.agendas.length ? checklist('Agendas', lists.agendas, state.agendas) : null,
      lists.tecnicos.length ? checklist('Técnicos', lists.tecnicos, state.tecnicos) : null);
  }

  function checklist(title, items, chosen) {
    const summary = h('summary', {});
    const describe = () => {
      summary.textContent = `${title}: ${chosen.size ? `${chosen.size} de ${items.length}` : 'todos'}`;
    };
    const boxes = items.map((item) => h('label', { class: 'opcao' },
      h('input', { type: 'checkbox', value: String(item.id), checked: chosen.has(item.id), onchange: (event) => {
        if (event.target.checked) chosen.add(item.id);
        else chosen.delete(item.id);
        describe();
        remember();
        load();
      } }), ` ${item.nome}`));
    describe();
    return h('details', { class: 'filtro' }, summary,
      h('fieldset', {}, h('legend', { class: 'visualmente-oculto' }, `Filtrar por ${title.toLowerCase()}`), boxes,
        h('button', { type: 'button', class: 'link', onclick: () => {
          chosen.clear();
          for (const input of boxes) input.querySelector('input').checked = false;
          describe();
          remember();
          load();
        } }, 'Limpar')));
  }

  // ---------------------------------------------------------- edit mode
  function updateEditButton() {
    bar.classList.toggle('modo-edicao', state.editing);
    hint.hidden = !state.editing;
    editButton.setAttribute('aria-pressed', String(state.editing));
    editIcon.textContent = state.editing ? '✕' : '✎';
    editLabel.textContent = state.editing ? 'Sair da edição' : 'Editar';
    editButton.setAttribute('aria-label', state.editing
      ? 'Sair da edição (desfaz as alterações ainda não salvas)' : 'Editar agenda (arrastar e redimensionar OS)');
    holder.dataset.editando = String(state.editing);
  }

  function toggleEdit() {
    if (!ec) return; // the calendar is still starting
    if (!state.editing) {
      state.editing = true;
      clearMessage(box);
      setEditable(true);
      updateEditButton();
      return;
    }
    state.editing = false;
    setEditable(false);
    updateEditButton();
    const unsaved = pending.filter((item) => !item.cancelled);
    for (const item of [...unsaved].reverse()) {
      item.cancelled = true;
      item.revert();
    }
    if (unsaved.length) {
      showMessage(box, 'aviso', unsaved.length === 1
        ? 'Edição encerrada: 1 alteração ainda não salva foi desfeita.'
        : `Edição encerrada: ${unsaved.length} alterações ainda não salvas foram desfeitas.`);
    }
    queue.then(() => load());
  }

  // EventCalendar reads eventStartEditable/eventDurationEditable before `editable` (both default true).
  function setEditable(on) {
    ec.setOption('eventStartEditable', on);
    ec.setOption('eventDurationEditable', on);
  }

  // One change of an OS (drag or resize): queued, then sent to reagendar.
  function change(info) {
    const event = info.event;
    const os = event.extendedProps.os;
    const item = {
      os, revert: info.revert, cancelled: false,
      from: { start: info.oldEvent.start, end: info.oldEvent.end },
      to: { start: event.start, end: event.end },
      lanes: info.oldResource && info.newResource
        ? { from: Number(info.oldResource.id), to: Number(info.newResource.id), by: state.verPor } : null,
    };
    pending.push(item);
    holder.dataset.pendentes = String(pending.length);
    showMessage(box, 'info', `Salvando a OS ${os.numero}…`);
    // The chain survives a failure, so later changes are still sent.
    queue = queue.then(() => save(item)).catch((error) => {
      showMessage(box, 'erro', `Erro inesperado ao salvar a OS ${os.numero}; a agenda foi lida de novo.`);
      console.error(error);
      load();
    });
  }

  async function save(item) {
    try {
      if (item.cancelled) return; // X before it was sent: never sent
      let answer;
      try {
        answer = await api('POST', 'ordem_servico/reagendar', { body: reschedule(item.os, item.to, item.lanes) });
      } catch (error) {
        if (item.cancelled) return; // already back in place
        item.revert();
        if (error.name !== 'ApiError') throw error;
        showMessage(box, 'erro', `Reagendamento da OS ${item.os.numero} recusado; ela voltou ao horário anterior. ${error.message}`,
          error.errors);
        load(); // later changes of the same OS started from where it no longer is
        return;
      }
      if (item.cancelled) {
        await undo(item);
        return;
      }
      const saved = answer.ordem_servico;
      item.os.inicio = `${isoDate(item.to.start)}T${isoTime(item.to.start)}`;
      item.os.fim = `${isoDate(item.to.end)}T${isoTime(item.to.end)}`;
      showMessage(box, 'ok', `OS ${item.os.numero} reagendada: ${dateBR(saved.data_inicio_programado)} – ${
        (saved.data_termino_programado || '').slice(11, 16)}.`);
    } finally {
      pending.splice(pending.indexOf(item), 1);
      holder.dataset.pendentes = String(pending.length);
    }
  }

  // The server took a change the user had already cancelled with the X: put it back.
  async function undo(item) {
    const back = item.lanes ? { ...item.lanes, from: item.lanes.to, to: item.lanes.from } : null;
    try {
      await api('POST', 'ordem_servico/reagendar', { body: reschedule(item.os, item.from, back) });
    } catch (error) {
      if (error.name !== 'ApiError') throw error;
      showMessage(box, 'erro', `A OS ${item.os.numero} já tinha sido salva no novo horário e não pôde voltar. ${
        error.message}`, error.errors);
    }
  }

  function reschedule(os, interval, lanes) {
    const body = {
      id_ordem_servico: os.id_ordem_servico,
      data_inicio_programado: isoDate(interval.start),
      hora_inicio_programado: isoTime(interval.start),
      data_termino_programado: isoDate(interval.end),
      hora_termino_programado: isoTime(interval.end),
    };
    if (lanes && lanes.by === 'agenda') body.id_agenda_ordem_servico = lanes.to;
    if (lanes && lanes.by === 'tecnico') {
      body.id_usuario_antigo = lanes.from;
      body.id_usuario_novo = lanes.to;
    }
    return body;
  }

  // ------------------------------------------------------------ loading
  async function load() {
    if (!state.range || !section.isConnected) return;
    const mine = ++loads;
    holder.dataset.estado = 'carregando';
    const query = {
      data_inicio: isoDate(state.range.start),
      data_fim: isoDate(new Date(state.range.end.getTime() - 1)),
      ver_por: state.verPor,
      ids: [...(state.verPor === 'agenda' ? state.agendas : state.tecnicos)].join(','),
    };
    try {
      const answer = await api('GET', 'ordem_servico/calendario', { query });
      let events = answer.eventos;
      if (state.verPor === 'agenda' && state.tecnicos.size) {
        events = events.filter((e) => e.tecnicos.some((t) => state.tecnicos.has(t)));
      }
      if (state.verPor === 'tecnico' && state.agendas.size) {
        // The technician lanes do not say the agenda: ask the agenda lanes which OS they hold.
        const byAgenda = await api('GET', 'ordem_servico/calendario',
          { query: { ...query, ver_por: 'agenda', ids: [...state.agendas].join(',') } });
        const kept = new Set(byAgenda.eventos.map((e) => e.id_ordem_servico));
        events = events.filter((e) => kept.has(e.id_ordem_servico));
      }
      await queue; // never paint over a change on its way
      if (mine !== loads || !ec) return;
      ec.setOption('resources', answer.recursos.map((r) => ({ id: String(r.id), title: r.titulo })));
      ec.setOption('events', events.map(toEvent));
      if (!answer.recursos.length) {
        showMessage(box, 'info', state.verPor === 'agenda' ? 'Nenhuma agenda ativa para mostrar.' : 'Nenhum técnico para mostrar.');
      }
      holder.dataset.estado = 'pronto';
      holder.dataset.carregamentos = String(mine);
    } catch (error) {
      if (mine !== loads) return;
      holder.dataset.estado = 'erro';
      showError(box, error);
    }
  }

  function toEvent(os) {
    return {
      id: String(os.id_ordem_servico),
      resourceIds: os.recursos.filter((r) => r !== null).map(String),
      start: os.inicio,
      end: os.fim,
      title: os.titulo,
      // An event's own flags win over the calendar's: a closed or cancelled OS never moves.
      startEditable: os.editavel ? undefined : false,
      durationEditable: os.editavel ? undefined : false,
      classNames: ['os', `os-${os.status}`],
      extendedProps: { os },
    };
  }

  function content(info) {
    const os = info.event.extendedProps.os;
    if (!os) return '';
    const time = `${isoTime(info.event.start).slice(0, 5)}–${isoTime(info.event.end).slice(0, 5)}`;
    // The OS is a button named by what it shows; the day, which only its column shows, is said too.
    const day = `${WEEKDAY.format(info.event.start)}, ${dateBR(isoDate(info.event.start))}`;
    return {
      domNodes: [
        h('div', { class: 'os-cabeca' }, h('strong', {}, `OS ${os.numero}`), ` ${time}`,
          h('span', { class: 'visualmente-oculto' }, `, ${day},`)),
        h('div', { class: 'os-cliente' }, os.cliente || ''),
        h('div', { class: 'os-linha' }, [os.cidade, ORDER_STATUS[os.status] || os.status].filter(Boolean).join(' · ')),
      ],
    };
  }

  function decorate(info) {
    const os = info.event.extendedProps.os;
    if (!os || info.event.display !== 'auto') return;
    const el = info.el;
    el.dataset.os = String(os.id_ordem_servico);
    el.tabIndex = 0;
    el.setAttribute('role', 'button');
    el.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        details(info.event);
      }
    });
  }

  // ----------------------------------------------- details (and keyboard reschedule)
  function details(event) {
    const os = event.extendedProps.os;
    const formBox = messageBox();
    const day = dateInput({ required: true, value: isoDate(event.start) });
    const start = timeInput({ required: true, value: isoTime(event.start) });
    const end = timeInput({ required: true, value: isoTime(event.end) });
    const save = h('button', { type: 'submit' }, 'Salvar novo horário');
    const editable = state.editing && os.editavel;
    const form = editable ? h('form', { class: 'reagendar' },
      h('fieldset', {}, h('legend', {}, 'Reagendar'), field('Dia', day), field('Início', start), field('Término', end)),
      formBox, save) : null;
    form?.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problems = validateFields(form);
      if (problems.length) {
        showMessage(formBox, 'erro', 'Corrija o novo horário.', problems);
        return;
      }
      const to = {
        start: new Date(`${day.isoValue}T${start.isoValue}:00`), end: new Date(`${day.isoValue}T${end.isoValue}:00`),
      };
      await busy(save, async () => {
        try {
          await queue;
          await api('POST', 'ordem_servico/reagendar', { body: reschedule(os, to, null) });
          dialog.close();
          showMessage(box, 'ok', `OS ${os.numero} reagendada: ${dateBR(isoDate(to.start))} ${start.isoValue}–${end.isoValue}.`);
          load();
        } catch (error) {
          showError(formBox, error);
        }
      });
    });
    replace(dialog,
      h('h2', { id: 'detalhes-os-titulo' }, `OS ${os.numero}`),
      h('dl', {},
        h('dt', {}, 'Cliente'), h('dd', {}, os.cliente || '—'),
        h('dt', {}, 'Cidade'), h('dd', {}, os.cidade || '—'),
        h('dt', {}, 'Tipo'), h('dd', {}, os.tipo || '—'),
        h('dt', {}, 'Situação'), h('dd', {}, ORDER_STATUS[os.status] || os.status),
        h('dt', {}, 'Horário'), h('dd', {}, `${dateBR(isoDate(event.start))} ${isoTime(event.start).slice(0, 5)} – ${
          isoTime(event.end).slice(0, 5)}`)),
      form,
      !editable && canEdit && os.editavel ? h('p', { class: 'dica' }, 'Para reagendar, entre no modo de edição.') : null,
      h('div', { class: 'acoes' },
        h('a', { class: 'botao', href: `#/ordens/${os.numero}`, onclick: () => dialog.close() }, 'Abrir a OS'),
        h('button', { type: 'button', class: 'secundario', onclick: () => dialog.close() }, 'Fechar')));
    dialog.showModal();
  }

  // -------------------------------------------------------------- start
  async function start() {
    if (!window.EventCalendar) {
      showMessage(box, 'erro', 'O componente de calendário não foi instalado neste servidor (console/: npm ci && npm run vendor).');
      return;
    }
    const [agendas, tecnicos] = await Promise.all([
      ctx.can('Consultar agenda de OS') ? api('GET', 'configuracao/agenda_ordem_servico').catch(() => null) : null,
      ctx.can('Consultar técnicos') ? api('GET', 'configuracao/tecnico').catch(() => null) : null,
    ]);
    const agendaList = agendas ? agendas.agendas_ordem_servico : [];
    lists.agendas = agendaList.filter((a) => a.ativo).map((a) => ({ id: a.id_agenda_ordem_servico, nome: a.descricao }));
    lists.tecnicos = tecnicos ? tecnicos.tecnicos.map((t) => ({ id: t.id, nome: t.name })) : [];
    renderFilters();
    if (!section.isConnected) return;
    const hours = openingHours(agendaList);
    ec = window.EventCalendar.create(holder, {
      view: VIEWS[state.view],
      date: state.date,
      // Its own words and dates in Portuguese whatever the browser's language (no toolbar is shown,
      // but its buttons still name the views and label the popups).
      locale: 'pt-BR',
      buttonText: { today: 'Hoje', resourceTimeGridDay: 'Dia', resourceTimeGridWeek: 'Semana', close: 'Fechar' },
      allDayContent: 'Dia inteiro',
      noEventsContent: 'Nenhuma OS',
      firstDay: 1,
      headerToolbar: { start: '', center: '', end: '' },
      allDaySlot: false,
      nowIndicator: true,
      slotDuration: '00:30',
      slotHeight: 30, // an hour-long OS shows its three lines
      slotMinTime: hours.min,
      slotMaxTime: hours.max,
      flexibleSlotTimeLimits: true,
      scrollTime: hours.min,
      height: 'auto',
      eventStartEditable: false,
      eventDurationEditable: false,
      dragScroll: true,
      eventTimeFormat: { hour: '2-digit', minute: '2-digit' },
      slotLabelFormat: { hour: '2-digit', minute: '2-digit' },
      dayHeaderFormat: { weekday: 'short', day: '2-digit', month: '2-digit' },
      resources: [],
      events: [],
      eventContent: content,
      eventDidMount: decorate,
      eventClick: (info) => details(info.event),
      eventDrop: change,
      eventResize: change,
      datesSet: (info) => {
        state.range = { start: info.start, end: info.end };
        if (ec) state.date = isoDate(ec.getOption('date'));
        goTo.isoValue = state.date;
        period.textContent = info.view.title;
        remember();
        load();
      },
    });
    gridWatcher = plainGrid(holder);
  }

  start().catch((error) => showError(box, error));

  return () => {
    loads += 1;
    gridWatcher?.disconnect();
    if (ec) window.EventCalendar.destroy(ec);
    ec = null;
  };
}

// EventCalendar marks its grid up as a table (role=table, rowgroup, row, columnheader, cell) but puts
// each OS, a button, straight in a rowgroup, which is no table a screen reader can walk (axe-core:
// aria-required-children, aria-allowed-attr). The grid is left plain instead: each OS names its day and time itself, and
// each column head its agenda or technician and its day. The calendar adds these roles again to what
// it draws later, so they are taken off whenever it draws.
function plainGrid(holder) {
  const selector = [...GRID_ROLES.map((role) => `[role="${role}"]`), ...GRID_ATTRIBUTES.map((name) => `[${name}]`)].join(',');
  const strip = () => {
    for (const el of holder.querySelectorAll(selector)) {
      if (GRID_ROLES.includes(el.getAttribute('role'))) el.removeAttribute('role');
      for (const name of GRID_ATTRIBUTES) el.removeAttribute(name);
    }
  };
  const watcher = new MutationObserver(strip);
  watcher.observe(holder, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['role', ...GRID_ATTRIBUTES],
  });
  strip();
  return watcher;
}

// Earliest start and latest end of the agendas' windows, whole hours (07:00–19:00 without agendas).
function openingHours(agendas) {
  let min = 24 * 60;
  let max = 0;
  for (const agenda of agendas) {
    if (!agenda.ativo) continue;
    for (const window of agenda.horarios) {
      const [sh, sm] = window.hora_inicio.split(':').map(Number);
      const [eh, em] = window.hora_termino.split(':').map(Number);
      min = Math.min(min, sh * 60 + sm);
      max = Math.max(max, eh === 0 && em === 0 ? 24 * 60 : eh * 60 + em);
    }
  }
  if (min >= max) return { min: '07:00', max: '19:00' };
  const hour = (minutes) => `${String(minutes / 60).padStart(2, '0')}:00`;
  return { min: hour(Math.max(0, Math.floor(min / 60) * 60 - 60)), max: hour(Math.min(24 * 60, Math.ceil(max / 60) * 60 + 60)) };
}

// A group of toggle buttons (aria-pressed), one of them on.
function segmented(label, options, current, onChange) {
  const buttons = options.map(([value, text]) => h('button', {
    type: 'button', 'aria-pressed': String(value === current), dataset: { valor: value },
    onclick: (event) => {
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === event.currentTarget));
      onChange(value);
    },
  }, text));
  const el = h('div', { class: 'grupo segmentado', role: 'group', 'aria-label': label },
    h('span', { class: 'rotulo-grupo', 'aria-hidden': 'true' }, `${label}:`), buttons);
  return { el, buttons };
}

function idSet(text) {
  return new Set((text || '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0));
}
