// Agendas de OS: the list, the form that creates or replaces one (windows,
// slot length, capacity, cities, technicians, closed dates) and deactivation.
//   #/agendas          the list
//   #/agendas/nova     a new agenda
//   #/agendas/<id>     edit one
import { api } from './api.js';
import {
  busy, confirmDialog, dataTable, dateBR, dateInput, field, fillRows, h, messageBox, onSubmit, replace, showError,
  showFieldError, showMessage, timeInput, uid,
} from './ui.js';

const WEEKDAYS = [
  ['segunda', 'Seg'], ['terca', 'Ter'], ['quarta', 'Qua'], ['quinta', 'Qui'], ['sexta', 'Sex'],
  ['sabado', 'Sáb'], ['domingo', 'Dom'],
];
const CONFIGURE = 'Configurar agendas de OS';
let flash = null; // a message for the list after a save

export function render(main, ctx) {
  const [which] = ctx.rest;
  if (which && ctx.can(CONFIGURE)) {
    renderForm(main, ctx, which === 'nova' ? null : Number(which));
  } else {
    renderList(main, ctx);
  }
}

// ---------------------------------------------------------------- the list
function renderList(main, ctx) {
  const box = messageBox();
  const body = h('tbody', {});
  const canConfigure = ctx.can(CONFIGURE);
  const section = h('section', { class: 'tela tela-agendas' },
    h('div', { class: 'barra' }, h('h1', {}, 'Agendas de Ordem de Serviço'),
      canConfigure ? h('a', { class: 'botao', href: '#/agendas/nova' }, 'Nova agenda') : null),
    box,
    dataTable('Agendas cadastradas', ['Descrição', 'Situação', 'Cidades', 'Técnicos', 'Horários', 'Ações'], body));
  main.append(section);
  if (flash) {
    showMessage(box, 'ok', flash);
    flash = null;
  }

  async function load() {
    try {
      const answer = await api('GET', 'configuracao/agenda_ordem_servico');
      fillRows(body, answer.agendas_ordem_servico, row, 6, 'Nenhuma agenda cadastrada.');
    } catch (error) {
      showError(box, error);
    }
  }

  function row(agenda) {
    const deactivate = h('button', { type: 'button', class: 'perigo pequeno' }, 'Desativar');
    deactivate.addEventListener('click', async () => {
      const ok = await confirmDialog('Desativar agenda',
        `Desativar a agenda "${agenda.descricao}"? Ela deixa de aceitar novas OS; as já agendadas continuam.`, 'Desativar');
      if (!ok) return;
      await busy(deactivate, async () => {
        try {
          await api('DELETE', `configuracao/agenda_ordem_servico/${agenda.id_agenda_ordem_servico}`);
          showMessage(box, 'ok', `Agenda "${agenda.descricao}" desativada.`);
          await load();
        } catch (error) {
          showError(box, error);
        }
      });
    });
    return h('tr', { dataset: { agenda: agenda.id_agenda_ordem_servico } },
      h('th', { scope: 'row' }, agenda.descricao),
      h('td', {}, h('span', { class: `selo ${agenda.ativo ? 'ativo' : 'inativo'}` }, agenda.ativo ? 'Ativa' : 'Inativa')),
      h('td', {}, agenda.cidades.length ? agenda.cidades.map((c) => `${c.cidade}/${c.uf}`).join(', ') : 'Todas'),
      h('td', {}, agenda.tecnicos.map((t) => t.name || `#${t.id}`).join(', ') || '—'),
      h('td', {}, h('ul', { class: 'compacta' }, agenda.horarios.map((w) => h('li', {}, describeWindow(w)))),
        agenda.limite_diario ? h('div', { class: 'dica' }, `Limite diário: ${agenda.limite_diario} OS`) : null),
      h('td', { class: 'acoes-linha' },
        canConfigure ? h('a', { class: 'botao secundario pequeno', href: `#/agendas/${agenda.id_agenda_ordem_servico}`,
          'aria-label': `Editar a agenda ${agenda.descricao}` }, 'Editar') : null,
        canConfigure && agenda.ativo ? deactivate : null));
  }

  load();
}

function describeWindow(w) {
  const days = WEEKDAYS.filter(([key]) => w.dias_semana.includes(key)).map(([, label]) => label).join(', ');
  return `${days}: ${w.hora_inicio.slice(0, 5)}–${w.hora_termino.slice(0, 5)}, horários de ${w.duracao_minutos} min, ` +
    `${w.capacidade} OS por horário`;
}

// ---------------------------------------------------------------- the form
function renderForm(main, ctx, agendaId) {
  const box = messageBox();
  const description = h('input', { required: true, maxlength: 150 });
  const active = h('input', { type: 'checkbox', checked: true });
  const cities = h('textarea', { rows: 3, placeholder: 'Campinas/SP' });
  const technicians = h('div', { class: 'opcoes' }, h('p', { class: 'dica' }, 'Carregando técnicos…'));
  const windows = h('div', { class: 'janelas' });
  const dailyLimit = h('input', { type: 'number', min: 1, step: 1 });
  const closedList = h('ul', { class: 'datas' });
  const closedInput = dateInput();
  const holidays = h('input', { type: 'checkbox' });
  const save = h('button', { type: 'submit' }, 'Salvar agenda');
  const closed = new Set();

  const form = h('form', { class: 'formulario', novalidate: true },
    box,
    field('Descrição', description),
    h('div', { class: 'campo caixa' }, h('label', {}, active, ' Agenda ativa')),
    field('Cidades atendidas', cities, 'Uma por linha, como Cidade/UF. Em branco: qualquer cidade.'),
    h('fieldset', {}, h('legend', {}, 'Técnicos da agenda'), technicians),
    h('fieldset', {}, h('legend', {}, 'Horários de atendimento'),
      h('p', { class: 'dica' }, 'Cada faixa é dividida em horários do tamanho indicado; a capacidade é quantas OS cabem em cada horário.'),
      windows,
      h('button', { type: 'button', class: 'secundario', onclick: () => addWindow() }, 'Adicionar faixa de horário')),
    field('Limite diário de OS', dailyLimit, 'Opcional: no máximo tantas OS por dia nesta agenda.'),
    h('fieldset', {}, h('legend', {}, 'Datas bloqueadas'),
      closedList,
      h('div', { class: 'linha' }, field('Data', closedInput),
        h('button', { type: 'button', class: 'secundario', onclick: () => {
          if (!closedInput.isoValue) {
            if (!closedInput.checkField()) showFieldError(closedInput, 'Informe a data a bloquear.');
            closedInput.focus();
            return;
          }
          closed.add(closedInput.isoValue);
          closedInput.isoValue = '';
          renderClosed();
        } }, 'Bloquear data')),
      h('div', { class: 'campo caixa' }, h('label', {}, holidays, ' Bloquear feriados nacionais'))),
    h('div', { class: 'acoes' }, save, h('a', { class: 'botao secundario', href: '#/agendas' }, 'Cancelar')));

  // The form shows once the agenda and the technicians are read, so nothing typed is overwritten.
  const loading = h('p', { class: 'carregando' }, 'Carregando…');
  const loadBox = messageBox();
  main.append(h('section', { class: 'tela tela-agenda-form' },
    h('div', { class: 'barra' }, h('h1', {}, agendaId ? 'Editar agenda' : 'Nova agenda')), loadBox, loading));

  function renderClosed() {
    replace(closedList, [...closed].sort().map((day) => h('li', {}, dateBR(day), ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': `Desbloquear ${dateBR(day)}`, onclick: () => {
        closed.delete(day);
        renderClosed();
      } }, 'desbloquear'))));
  }

  function addWindow(w = { dias_semana: ['segunda', 'terca', 'quarta', 'quinta', 'sexta'], hora_inicio: '08:00:00',
    hora_termino: '12:00:00', duracao_minutos: 60, capacidade: 1 }) {
    const days = WEEKDAYS.map(([key, label]) => h('label', { class: 'dia' },
      h('input', { type: 'checkbox', value: key, checked: w.dias_semana.includes(key) }), ` ${label}`));
    const start = timeInput({ required: true, value: w.hora_inicio });
    const end = timeInput({ required: true, value: w.hora_termino });
    const length = h('input', { type: 'number', min: 15, max: 480, step: 5, required: true, value: String(w.duracao_minutos) });
    const capacity = h('input', { type: 'number', min: 1, step: 1, required: true, value: String(w.capacidade) });
    const legendId = uid('faixa');
    const block = h('fieldset', { class: 'janela', 'aria-labelledby': legendId },
      h('legend', { id: legendId }, 'Faixa de horário'),
      h('div', { class: 'dias', role: 'group', 'aria-label': 'Dias da semana' }, days),
      h('div', { class: 'linha' }, field('Início', start), field('Término', end),
        field('Duração de cada horário (min)', length), field('Capacidade (OS por horário)', capacity)),
      h('button', { type: 'button', class: 'link', onclick: () => block.remove() }, 'Remover esta faixa'));
    block.read = () => ({
      dias_semana: days.map((d) => d.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
      hora_inicio: start.isoValue, hora_termino: end.isoValue,
      duracao_minutos: Number(length.value), capacidade: Number(capacity.value),
    });
    windows.append(block);
  }

  function fill(agenda, technicianList) {
    description.value = agenda?.descricao || '';
    active.checked = agenda ? agenda.ativo : true;
    cities.value = (agenda?.cidades || []).map((c) => `${c.cidade}/${c.uf}`).join('\n');
    const chosen = new Set((agenda?.tecnicos || []).map((t) => t.id));
    // The agenda's technicians stay listed even when no longer among the active ones.
    const known = new Set(technicianList.map((t) => t.id));
    const all = [...technicianList, ...(agenda?.tecnicos || []).filter((t) => !known.has(t.id))
      .map((t) => ({ id: t.id, name: t.name || `Técnico #${t.id}` }))];
    replace(technicians, all.length ? all.map((t) => h('label', { class: 'opcao' },
      h('input', { type: 'checkbox', value: String(t.id), checked: chosen.has(t.id) }), ` ${t.name}`))
      : h('p', { class: 'dica' }, 'Nenhum técnico cadastrado.'));
    windows.replaceChildren();
    for (const w of agenda?.horarios || [undefined]) addWindow(w);
    dailyLimit.value = agenda?.limite_diario ? String(agenda.limite_diario) : '';
    for (const day of agenda?.datas_bloqueadas || []) closed.add(day);
    renderClosed();
    holidays.checked = Boolean(agenda?.bloquear_feriados_nacionais);
  }

  function read() {
    const body = {
      descricao: description.value.trim(),
      ativo: active.checked,
      cidades: cities.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
        const match = /^(.*?)[\s]*[/\-,][\s]*([A-Za-z]{2})$/.exec(line);
        return match ? { cidade: match[1].trim(), uf: match[2].toUpperCase() } : { cidade: line, uf: '' };
      }),
      tecnicos: [...technicians.querySelectorAll('input:checked')].map((i) => ({ id: Number(i.value) })),
      horarios: [...windows.children].map((block) => block.read()),
      datas_bloqueadas: [...closed].sort(),
      bloquear_feriados_nacionais: holidays.checked,
    };
    if (dailyLimit.value) body.limite_diario = Number(dailyLimit.value);
    return body;
  }

  onSubmit(form, save, box, async () => {
    const path = agendaId ? `configuracao/agenda_ordem_servico/${agendaId}` : 'configuracao/agenda_ordem_servico';
    const answer = await api(agendaId ? 'PUT' : 'POST', path, { body: read() });
    flash = `Agenda "${answer.agenda_ordem_servico.descricao}" salva.`;
    ctx.navigate('#/agendas');
  });

  (async () => {
    try {
      const [agenda, technicianList] = await Promise.all([
        agendaId ? api('GET', `configuracao/agenda_ordem_servico/${agendaId}`).then((a) => a.agenda_ordem_servico) : null,
        ctx.can('Consultar técnicos') ? api('GET', 'configuracao/tecnico').then((a) => a.tecnicos) : [],
      ]);
      fill(agenda, technicianList);
      loading.replaceWith(form);
      description.focus();
    } catch (error) {
      loading.remove();
      showError(loadBox, error);
    }
  })();
}
