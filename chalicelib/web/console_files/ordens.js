// Ordens de Serviço: the list with the agenda filter (ordem_servico/todos), opening an OS in a free slot of
// an agenda that serves the customer's city, or without an agenda (atendimento with abrir_os), and one OS's
// form (os_form.js).
//   #/ordens?agenda=<id>&inicio=&fim=&status=&pagina=
//   #/ordens/nova
//   #/ordens/<número>
import { api } from './api.js';
import { renderOrder, servesCity, showSlots } from './os_form.js';
import {
  ORDER_STATUS, addDays, busy, customerSearchBy, dataTable, dateBR, dateInput, dateParam, field, fillRows, h, messageBox, pager, replace,
  showError, showMessage, today, uid, validateFields,
} from './ui.js';

const PER_PAGE = 50;
const OPEN = 'Criar atendimento';
const NO_AGENDA = 'sem';
let flash = null;

export function render(main, ctx) {
  if (ctx.rest[0] === 'nova' && ctx.can(OPEN)) renderOpen(main, ctx);
  else if (/^\d+$/.test(ctx.rest[0] || '')) renderOrder(main, ctx, Number(ctx.rest[0]));
  else renderList(main, ctx);
}

async function activeAgendas(ctx) {
  if (!ctx.can('Consultar agenda de OS')) return [];
  const answer = await api('GET', 'configuracao/agenda_ordem_servico', { query: { ativo: 'true' } });
  return answer.agendas_ordem_servico;
}

// ---------------------------------------------------------------- the list
function renderList(main, ctx) {
  const params = ctx.params;
  const box = messageBox();
  const agenda = h('select', { name: 'agenda' }, h('option', { value: '' }, 'Todas'));
  const first = dateInput({ value: dateParam(params, 'inicio') || addDays(today(), -7) });
  const last = dateInput({ value: dateParam(params, 'fim') || addDays(today(), 30) });
  const status = h('select', {}, h('option', { value: '' }, 'Todas'),
    Object.entries(ORDER_STATUS).map(([value, label]) => h('option', { value, selected: params.get('status') === value }, label)));
  const body = h('tbody', {});
  const pages = h('nav', { class: 'paginas', 'aria-label': 'Páginas da lista' });
  let page = Number(params.get('pagina') || 0);

  const filters = h('form', { class: 'filtros-linha', role: 'search', 'aria-label': 'Filtrar ordens de serviço' },
    field('Agenda', agenda), field('Início programado de', first), field('até', last), field('Situação', status),
    h('button', { type: 'submit' }, 'Filtrar'));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page = 0;
    load();
  });
  main.append(h('section', { class: 'tela tela-ordens' },
    h('div', { class: 'barra' }, h('h1', {}, 'Ordens de Serviço'),
      ctx.can(OPEN) ? h('a', { class: 'botao', href: '#/ordens/nova' }, 'Abrir OS') : null),
    filters, box,
    dataTable('Ordens de serviço', ['Nº', 'Cliente', 'Cidade', 'Agenda', 'Início programado', 'Técnicos', 'Situação'], body),
    pages));
  if (flash) {
    showMessage(box, 'ok', flash);
    flash = null;
  }

  async function load() {
    const p = new URLSearchParams();
    if (agenda.value) p.set('agenda', agenda.value);
    p.set('inicio', first.isoValue);
    p.set('fim', last.isoValue);
    if (status.value) p.set('status', status.value);
    if (page) p.set('pagina', String(page));
    ctx.setParams(p);
    replace(body, h('tr', {}, h('td', { colspan: 7 }, 'Carregando…')));
    try {
      const answer = await api('GET', 'ordem_servico/todos', { query: {
        pagina: page, itens_por_pagina: PER_PAGE, agenda_ordem_servico: agenda.value, data_inicio: first.isoValue,
        data_fim: last.isoValue, status: status.value, relacoes: 'agenda_ordem_servico',
      } });
      fillRows(body, answer.ordens_servico, row, 7, 'Nenhuma OS encontrada com esses filtros.');
      pager(pages, answer.paginacao, page, 'OS', goTo);
    } catch (error) {
      replace(body);
      showError(box, error);
    }
  }

  function row(os) {
    const address = os.dados_endereco_instalacao;
    const start = os.data_inicio_programado;
    const day = start ? start.slice(0, 10) : '';
    return h('tr', { dataset: { os: os.id_ordem_servico } },
      h('th', { scope: 'row' }, h('a', { href: `#/ordens/${os.numero}`, 'aria-label': `Abrir a OS ${os.numero}` },
        String(os.numero))),
      h('td', {}, os.cliente || '—'),
      h('td', {}, address ? `${address.cidade}/${address.uf}` : '—'),
      h('td', {}, os.agenda_ordem_servico ? os.agenda_ordem_servico.descricao : '—'),
      h('td', {}, start ? h('a', { href: `#/agenda-tecnicos?data=${day}&visao=dia` }, dateBR(start)) : '—'),
      h('td', {}, (os.tecnicos || []).map((t) => t.display || t.name).join(', ') || '—'),
      h('td', {}, os.status));
  }

  function goTo(next) {
    page = next;
    load();
  }

  activeAgendas(ctx).then((agendas) => {
    for (const a of agendas) {
      agenda.append(h('option', { value: String(a.id_agenda_ordem_servico),
        selected: params.get('agenda') === String(a.id_agenda_ordem_servico) }, a.descricao));
    }
    load();
  }).catch((error) => showError(box, error));
}

// ---------------------------------------------------------- opening an OS
function renderOpen(main, ctx) {
  const box = messageBox();
  const searchBy = customerSearchBy(['nome_razaosocial', 'cpf_cnpj', 'codigo_cliente', 'telefone']);
  const term = h('input', { type: 'search', required: true });
  const searchButton = h('button', { type: 'submit', class: 'secundario' }, 'Buscar cliente');
  const searchForm = h('form', { class: 'filtros-linha', role: 'search', 'aria-label': 'Buscar cliente' },
    field('Buscar por', searchBy), field('Termo', term), searchButton);
  const services = h('div', { class: 'opcoes', role: 'radiogroup', 'aria-label': 'Serviço do cliente' });
  const agenda = h('select', { required: true });
  const fromDay = dateInput({ required: true, value: today() });
  const days = h('input', { type: 'number', min: 1, max: 31, value: '7' });
  const slotsButton = h('button', { type: 'button', class: 'secundario' }, 'Ver horários livres');
  const slots = h('div', { class: 'horarios', role: 'radiogroup', 'aria-label': 'Horários livres' });
  const technicians = h('div', { class: 'opcoes' });
  const description = h('textarea', { rows: 3, required: true });
  const orderType = h('select', {}, h('option', { value: '' }, 'Padrão da API'));
  const contact = h('input', { required: true, maxlength: 150 });
  const phone = h('input', { required: true, inputmode: 'tel' });
  const submit = h('button', { type: 'submit' }, 'Abrir OS');
  let customer = null;

  const form = h('form', { class: 'formulario', novalidate: true },
    h('fieldset', {}, h('legend', {}, '2. Serviço'), services),
    h('fieldset', {}, h('legend', {}, '3. Agenda e horário'),
      h('div', { class: 'linha' }, field('Agenda', agenda), field('A partir de', fromDay), field('Dias', days), slotsButton),
      slots),
    h('fieldset', {}, h('legend', {}, '4. Técnicos (opcional)'), technicians),
    h('fieldset', {}, h('legend', {}, '5. Atendimento'),
      field('Tipo de OS', orderType),
      field('Descrição do atendimento', description),
      h('div', { class: 'linha' }, field('Contato', contact), field('Telefone do contato', phone, 'Com DDD.'))),
    h('div', { class: 'acoes' }, submit, h('a', { class: 'botao secundario', href: '#/ordens' }, 'Cancelar')));

  main.append(h('section', { class: 'tela tela-abrir-os' },
    h('div', { class: 'barra' }, h('h1', {}, 'Abrir ordem de serviço')),
    box,
    h('fieldset', {}, h('legend', {}, '1. Cliente'), searchForm),
    form));

  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(searchButton, async () => {
      try {
        const answer = await api('GET', 'cliente', { query: { busca: searchBy.value, termo_busca: term.value.trim() } });
        showCustomers(answer.clientes);
        if (!answer.clientes.length) showMessage(box, 'info', answer.msg);
        else box.replaceChildren();
      } catch (error) {
        showError(box, error);
      }
    });
  });

  function showCustomers(customers) {
    const name = uid('servico');
    replace(services, customers.flatMap((c) => c.servicos.map((s) => h('label', { class: 'opcao' },
      h('input', { type: 'radio', name, value: String(s.id_cliente_servico), onchange: () => {
        customer = c;
        address = s.endereco_instalacao;
        offerAgendas();
        contact.value = c.nome_razaosocial;
        phone.value = c.telefone_primario || '';
      } }),
      ` ${c.nome_razaosocial} (${c.cpf_cnpj}) — ${s.nome} — ${s.endereco_instalacao.cidade}/${s.endereco_instalacao.uf}`))));
    if (!customers.length) replace(services, h('p', { class: 'dica' }, 'Nenhum cliente encontrado.'));
  }

  slotsButton.addEventListener('click', () => busy(slotsButton, async () => {
    if (validateFields(fromDay).length) return;
    try {
      const answer = await api('GET', 'ordem_servico/horarios_disponiveis_agenda', { query: {
        id_agenda_ordem_servico: agenda.value, data_inicio: fromDay.isoValue, dias: days.value,
      } });
      showSlots(slots, answer.horarios.datas);
    } catch (error) {
      showError(box, error);
    }
  }));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const service = services.querySelector('input:checked');
    const slot = slots.querySelector('input:checked');
    const withAgenda = agenda.value !== NO_AGENDA;
    const missing = [];
    if (!service) missing.push('Escolha o serviço do cliente.');
    if (!agenda.value) missing.push('Escolha a agenda (ou "Sem agenda").');
    if (withAgenda && agenda.value && !slot) missing.push('Escolha um horário livre.');
    if (missing.length) {
      showMessage(box, 'erro', 'Faltam dados para abrir a OS.', missing);
      return;
    }
    // Without an agenda the OS waits for a schedule: the API gives it HubSoft's default dates, holding no place.
    const when = {};
    if (withAgenda) {
      [when.data_inicio_programado, when.hora_inicio_programado] = slot.value.split('T');
      [when.data_termino_programado, when.hora_termino_programado] = slot.dataset.fim.split('T');
    }
    const startDay = when.data_inicio_programado || today();
    const body = {
      id_cliente_servico: Number(service.value), descricao: description.value.trim(), nome: contact.value.trim(),
      telefone: phone.value.replace(/\D/g, ''), email: customer?.email || undefined, abrir_os: true,
      parametros_ordem_servico: {
        ...(withAgenda ? { id_agenda_ordem_servico: Number(agenda.value), ...when } : {}),
        ...(orderType.value ? { id_tipo_ordem_servico: Number(orderType.value) } : {}),
        tecnicos: [...technicians.querySelectorAll('input:checked')].map((i) => ({ id: Number(i.value) })),
      },
    };
    await busy(submit, async () => {
      try {
        const answer = await api('POST', 'atendimento', { body });
        const order = answer.atendimento.ordens_servico[0];
        if (!withAgenda) {
          ctx.navigate(`#/ordens/${order.numero_ordem_servico}`);
          return;
        }
        flash = `${answer.msg} OS ${order.numero_ordem_servico} agendada em ${dateBR(order.data_inicio_programado)}.`;
        ctx.navigate(`#/ordens?agenda=${agenda.value}&inicio=${startDay}&fim=${startDay}`);
      } catch (error) {
        showError(box, error);
        box.scrollIntoView({ block: 'nearest' });
      }
    });
  });

  agenda.addEventListener('change', () => {
    slots.replaceChildren();
    const withAgenda = agenda.value !== NO_AGENDA;
    for (const control of [fromDay, days, slotsButton]) control.disabled = !withAgenda;
    showTechnicians();
  });
  let agendaList = [];
  let address = null; // the chosen service's installation address: only agendas serving its city are offered
  function offerAgendas() {
    const kept = agenda.value;
    const serving = agendaList.filter((a) => !address || servesCity(a, address));
    replace(agenda, h('option', { value: '' }, 'Escolha…'),
      h('option', { value: NO_AGENDA }, 'Sem agenda (a OS aguarda agendamento)'),
      serving.map((a) => h('option', { value: String(a.id_agenda_ordem_servico) }, a.descricao)));
    agenda.value = [...agenda.options].some((o) => o.value === kept) ? kept : '';
    agenda.dispatchEvent(new Event('change'));
  }
  function showTechnicians() {
    const chosen = agendaList.find((a) => String(a.id_agenda_ordem_servico) === agenda.value);
    replace(technicians, chosen && chosen.tecnicos.length ? chosen.tecnicos.map((t) => h('label', { class: 'opcao' },
      h('input', { type: 'checkbox', value: String(t.id) }), ` ${t.name || `Técnico #${t.id}`}`))
      : h('p', { class: 'dica' }, chosen ? 'A agenda não tem técnicos cadastrados.' : 'Escolha a agenda para ver os técnicos dela.'));
  }

  activeAgendas(ctx).then((agendas) => {
    agendaList = agendas;
    offerAgendas();
  }).catch((error) => showError(box, error));
  api('GET', 'configuracao/tipo_ordem_servico').then((answer) => {
    orderType.append(...answer.tipo_ordem_servicos.map((t) => h('option', { value: String(t.id_tipo_ordem_servico) }, t.descricao)));
  }).catch((error) => showError(box, error));
  term.focus();
}
