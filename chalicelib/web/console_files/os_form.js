// One service order (#/ordens/<número>), opened from the OS list or from the calendar: its data (description,
// priority, agenda — only agendas that serve the installation city, or "Sem agenda" — and technicians), its
// schedule (free places of the chosen agenda, or typed dates without one), and the actions of its state:
// confirmar agendamento, reagendar, remover agendamento (reason + observação), fechar (status + reason),
// cancelar; then its messages and history. Every change goes through the API, which checks the agenda's
// rules again (a refusal is shown as the API says it, and nothing changed).
import { api } from './api.js';
import {
  busy, confirmDialog, dateBR, dateInput, field, h, messageBox, onSubmit, replace, showError, showMessage, timeInput,
  today, uid, validateFields,
} from './ui.js';

const LIVE = ['Aguardando Agendamento', 'Pendente'];
const PRIORITIES = [['baixa', 'Baixa'], ['normal', 'Normal'], ['alta', 'Alta'], ['urgente', 'Urgente']];
const CLOSING = [['concluido', 'Concluído'], ['sem_conclusao', 'Sem conclusão']];
const ACTIONS = {
  aberta: 'Aberta', agendada: 'Agendamento confirmado', reagendada: 'Reagendada',
  agendamento_removido: 'Agendamento removido', editada: 'Editada', fechada: 'Fechada', cancelada: 'Cancelada',
  mensagem: 'Mensagem',
};
const SEARCH_DAYS = 7;
const NONE = '';

// Accents and case do not matter when an agenda lists its cities (as the API compares them).
function cityKey(city, uf) {
  return `${city}/${uf}`.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

export function servesCity(agenda, address) {
  return !agenda.cidades.length || agenda.cidades.some((c) => cityKey(c.cidade, c.uf) === cityKey(address.cidade, address.uf));
}

export function renderOrder(main, ctx, number) {
  const box = messageBox();
  const heading = h('h1', {}, `OS ${number}`);
  const summary = h('p', { class: 'dica' });
  const body = h('div', { class: 'os-corpo', 'aria-busy': 'true' });
  main.append(h('section', { class: 'tela tela-os' },
    h('div', { class: 'barra' }, heading, h('a', { class: 'botao secundario', href: '#/ordens' }, 'Voltar à lista')),
    summary, box, body));

  async function load(message) {
    body.setAttribute('aria-busy', 'true');
    try {
      const found = await api('POST', 'ordem_servico/consultar', { body: { consulta: String(number) } });
      const order = found.ordens_servico[0];
      if (!order) {
        showMessage(box, 'erro', `OS ${number} não encontrada.`);
        replace(body);
        return;
      }
      const [customers, agendas, history, catalogues] = await Promise.all([
        api('GET', 'cliente', { query: { busca: 'id_cliente_servico', termo_busca: String(order.id_cliente_servico) } }),
        ctx.can('Consultar agenda de OS') ? api('GET', 'configuracao/agenda_ordem_servico', { query: { ativo: 'true' } })
          : { agendas_ordem_servico: [] },
        api('GET', `ordem_servico/${order.id_ordem_servico}/historico`),
        api('GET', 'ordem_servico/create')]);
      const service = customers.clientes.flatMap((c) => c.servicos)
        .find((s) => s.id_cliente_servico === order.id_cliente_servico);
      show({ order, service, agendas: agendas.agendas_ordem_servico, history, catalogues });
      if (message) showMessage(box, 'ok', message);
    } catch (error) {
      showError(box, error);
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  function show({ order, service, agendas, history, catalogues }) {
    const address = service ? service.endereco_instalacao : { cidade: '', uf: '' };
    const live = LIVE.includes(order.status);
    heading.textContent = `OS ${order.numero} · ${order.status}`;
    document.title = `OS ${order.numero} · Console do Provedor`;
    summary.textContent = `${order.cliente} · ${order.servico} · ${order.endereco_instalacao} · `
      + `${order.tipo_ordem_servico || order.tipo || 'Tipo não informado'}`;
    const canSchedule = live && ctx.can('Agendar ordem de serviço');
    const canClose = live && ctx.can('Fechar ordem de serviço');
    replace(body,
      canSchedule ? dataPanel(order, address, agendas) : readOnlyData(order, agendas),
      canSchedule ? schedulePanel(order, agendas, catalogues) : null,
      canClose ? closePanel(order, catalogues) : null,
      canClose ? cancelPanel(order) : null,
      historyPanel(order, history));
  }

  function readOnlyData(order, agendas) {
    const agenda = agendas.find((a) => a.id_agenda_ordem_servico === order.id_agenda_ordem_servico);
    return h('section', { class: 'painel', 'aria-labelledby': 'os-dados' },
      h('h2', { id: 'os-dados' }, 'Dados da OS'),
      h('dl', { class: 'dados' },
        h('dt', {}, 'Descrição'), h('dd', {}, order.descricao_servico || order.descricao_abertura || '—'),
        h('dt', {}, 'Agenda'), h('dd', {}, agenda ? agenda.descricao : (order.id_agenda_ordem_servico ? `Agenda ${order.id_agenda_ordem_servico}` : 'Sem agenda')),
        h('dt', {}, 'Programada'), h('dd', {}, programmed(order)),
        h('dt', {}, 'Técnicos'), h('dd', {}, (order.tecnicos || []).map((t) => t.name).join(', ') || '—'),
        order.status_fechamento ? [h('dt', {}, 'Fechamento'), h('dd', {}, `${order.status_fechamento} — ${order.descricao_fechamento || ''}`)] : null));
  }

  // ------------------------------------------------------- data (editar)
  function dataPanel(order, address, agendas) {
    const formBox = messageBox();
    const serving = agendas.filter((a) => servesCity(a, address));
    const current = agendas.find((a) => a.id_agenda_ordem_servico === order.id_agenda_ordem_servico);
    if (current && !serving.includes(current)) serving.push(current); // shown as it is, even if no longer serving
    const agenda = h('select', {}, h('option', { value: NONE }, 'Sem agenda'),
      serving.map((a) => h('option', { value: String(a.id_agenda_ordem_servico), selected: a === current },
        servesCity(a, address) ? a.descricao : `${a.descricao} (não atende ${address.cidade}/${address.uf})`)));
    const description = h('textarea', { rows: 3, maxlength: 5000 }, order.descricao_servico || '');
    const priority = h('select', {}, PRIORITIES.map(([value, label]) => h('option', { value, selected: order.prioridade === value }, label)));
    const technicians = h('div', { class: 'opcoes', role: 'group', 'aria-label': 'Técnicos da OS' });
    const save = h('button', { type: 'submit' }, 'Salvar alterações');
    const chosen = new Set((order.tecnicos || []).map((t) => t.id));

    function showTechnicians() {
      const picked = agendas.find((a) => String(a.id_agenda_ordem_servico) === agenda.value);
      const offered = picked ? picked.tecnicos : (order.tecnicos || []);
      replace(technicians, offered.length ? offered.map((t) => h('label', { class: 'opcao' },
        h('input', { type: 'checkbox', value: String(t.id), checked: chosen.has(t.id),
          onchange: (e) => (e.target.checked ? chosen.add(t.id) : chosen.delete(t.id)) }),
        ` ${t.name || `Técnico ${t.id}`}`)) : h('p', { class: 'dica' }, 'A agenda não tem técnicos.'));
    }
    agenda.addEventListener('change', showTechnicians);
    showTechnicians();

    const form = h('form', { class: 'painel formulario', 'aria-labelledby': 'os-dados' },
      h('h2', { id: 'os-dados' }, 'Dados da OS'),
      field('Agenda', agenda, `Só as agendas que atendem ${address.cidade}/${address.uf}. "Sem agenda" libera as vagas e `
        + 'mantém as datas.'),
      field('Descrição do serviço', description),
      field('Prioridade', priority),
      h('fieldset', {}, h('legend', {}, 'Técnicos'), technicians),
      formBox, h('div', { class: 'acoes' }, save));
    onSubmit(form, save, formBox, async () => {
      const offered = new Set([...technicians.querySelectorAll('input')].map((i) => Number(i.value)));
      const answer = await api('POST', 'ordem_servico/editar', { body: {
        id_ordem_servico: order.id_ordem_servico,
        id_agenda_ordem_servico: agenda.value === NONE ? null : Number(agenda.value),
        descricao_servico: description.value, prioridade: priority.value,
        tecnicos: [...chosen].filter((id) => offered.has(id)).map((id) => ({ id })),
      } });
      await load(answer.msg);
    });
    return form;
  }

  // ------------------------------------------------------------ schedule
  function schedulePanel(order, agendas, catalogues) {
    const formBox = messageBox();
    const agenda = agendas.find((a) => a.id_agenda_ordem_servico === order.id_agenda_ordem_servico);
    const dated = Boolean(order.data_inicio_programado);
    const parts = [h('h2', { id: 'os-horario' }, 'Horário'),
      h('p', {}, dated ? `Programada: ${programmed(order)}` : 'Sem data programada.')];

    let chooseSlot = null;
    let typed = null;
    if (agenda) {
      const from = dateInput({ value: dated ? order.data_inicio_programado.slice(0, 10) : today(), required: true });
      const look = h('button', { type: 'button', class: 'secundario' }, 'Ver vagas livres');
      const slots = h('div', { class: 'horarios', role: 'radiogroup', 'aria-label': `Vagas livres em ${agenda.descricao}` });
      look.addEventListener('click', () => busy(look, async () => {
        if (validateFields(from).length) return;
        try {
          const answer = await api('GET', 'ordem_servico/horarios_disponiveis_agenda', { query: {
            id_agenda_ordem_servico: agenda.id_agenda_ordem_servico, data_inicio: from.isoValue, dias: SEARCH_DAYS,
          } });
          showSlots(slots, answer.horarios.datas);
          formBox.replaceChildren();
        } catch (error) {
          showError(formBox, error);
        }
      }));
      parts.push(h('div', { class: 'linha' }, field('Vagas a partir de', from), look), slots);
      chooseSlot = () => slots.querySelector('input:checked');
    } else {
      const startDay = dateInput({ required: true });
      const startTime = timeInput({ required: true });
      const endDay = dateInput({ required: true });
      const endTime = timeInput({ required: true });
      parts.push(h('p', { class: 'dica' }, 'Sem agenda, as datas são livres: nenhuma vaga é reservada.'),
        h('div', { class: 'linha' }, field('Início (dia)', startDay), field('Início (hora)', startTime),
          field('Término (dia)', endDay), field('Término (hora)', endTime)));
      typed = { startDay, startTime, endDay, endTime };
    }
    const reschedule = h('button', { type: 'button' }, dated ? 'Reagendar' : 'Agendar neste horário');
    const confirm = order.status === 'Aguardando Agendamento' && dated
      ? h('button', { type: 'button', class: 'secundario' }, 'Confirmar agendamento') : null;
    parts.push(formBox, h('div', { class: 'acoes' }, reschedule, confirm));

    reschedule.addEventListener('click', () => busy(reschedule, async () => {
      const when = {};
      if (chooseSlot) {
        const slot = chooseSlot();
        if (!slot) {
          showMessage(formBox, 'erro', 'Escolha uma vaga livre.');
          return;
        }
        [when.data_inicio_programado, when.hora_inicio_programado] = slot.value.split('T');
        [when.data_termino_programado, when.hora_termino_programado] = slot.dataset.fim.split('T');
      } else {
        const problems = validateFields(panel);
        if (problems.length) {
          showMessage(formBox, 'erro', 'Confira as datas.', problems);
          return;
        }
        Object.assign(when, {
          data_inicio_programado: typed.startDay.isoValue, hora_inicio_programado: typed.startTime.isoValue,
          data_termino_programado: typed.endDay.isoValue, hora_termino_programado: typed.endTime.isoValue,
        });
      }
      try {
        const answer = await api('POST', 'ordem_servico/reagendar', { body: { id_ordem_servico: order.id_ordem_servico, ...when } });
        await load(answer.msg);
      } catch (error) {
        showError(formBox, error);
      }
    }));
    if (confirm) confirm.addEventListener('click', () => busy(confirm, async () => {
      try {
        const answer = await api('POST', 'ordem_servico/agendar', { body: { id_ordem_servico: order.id_ordem_servico } });
        await load(answer.msg);
      } catch (error) {
        showError(formBox, error);
      }
    }));

    const panel = h('section', { class: 'painel', 'aria-labelledby': 'os-horario' }, parts);
    if (dated) panel.append(unschedulePanel(order, catalogues));
    return panel;
  }

  function unschedulePanel(order, catalogues) {
    const formBox = messageBox();
    const reason = h('select', { required: true }, catalogues.motivos_remocao_agendamento.map((r) =>
      h('option', { value: String(r.id_motivo_remocao_agendamento) }, r.descricao)));
    const note = h('textarea', { rows: 2, required: true, minlength: 10, maxlength: 5000 });
    const remove = h('button', { type: 'submit', class: 'perigo' }, 'Remover agendamento');
    const form = h('form', { class: 'formulario', 'aria-label': 'Remover agendamento' },
      h('h3', {}, 'Remover agendamento'),
      h('div', { class: 'linha' }, field('Motivo', reason), field('Observação', note, 'Pelo menos 10 caracteres.')),
      formBox, h('div', { class: 'acoes' }, remove));
    onSubmit(form, remove, formBox, async () => {
      const answer = await api('POST', 'ordem_servico/remove_agendamento', { body: {
        id_ordem_servico: order.id_ordem_servico, id_motivo_remocao_agendamento: Number(reason.value),
        observacao: note.value.trim(),
      } });
      await load(answer.msg);
    });
    return form;
  }

  // --------------------------------------------------------------- close
  function closePanel(order, catalogues) {
    const formBox = messageBox();
    const titleId = uid('fechar');
    const start = order.data_inicio_programado;
    const end = order.data_termino_programado;
    const status = h('select', {}, CLOSING.map(([value, label]) => h('option', { value }, label)));
    const reason = h('select', {}, h('option', { value: '' }, 'Nenhum'),
      catalogues.motivos_fechamento.map((r) => h('option', { value: String(r.id_motivo_fechamento) }, r.descricao)));
    const description = h('textarea', { rows: 2, maxlength: 5000 });
    const startDay = dateInput({ value: start ? start.slice(0, 10) : today(), required: true });
    const startTime = timeInput({ value: start ? start.slice(11, 16) : '', required: true });
    const endDay = dateInput({ value: end ? end.slice(0, 10) : today(), required: true });
    const endTime = timeInput({ value: end ? end.slice(11, 16) : '', required: true });
    const close = h('button', { type: 'submit' }, 'Fechar OS');
    const form = h('form', { class: 'painel formulario', novalidate: true, 'aria-labelledby': titleId },
      h('h2', { id: titleId }, 'Fechar OS'),
      h('div', { class: 'linha' }, field('Situação do fechamento', status), field('Motivo', reason)),
      h('div', { class: 'linha' }, field('Início executado (dia)', startDay), field('Início executado (hora)', startTime),
        field('Término executado (dia)', endDay), field('Término executado (hora)', endTime)),
      field('Relato do fechamento', description),
      formBox, h('div', { class: 'acoes' }, close));
    onSubmit(form, close, formBox, async () => {
      const answer = await api('POST', 'ordem_servico/fechar', { body: {
        id_ordem_servico: order.id_ordem_servico, status_fechamento: status.value,
        motivo_fechamento: reason.value ? { id: Number(reason.value) } : undefined,
        descricao_fechamento: description.value.trim(),
        data_inicio_executado: startDay.isoValue, hora_inicio_executado: startTime.isoValue,
        data_termino_executado: endDay.isoValue, hora_termino_executado: endTime.isoValue,
      } });
      await load(answer.msg);
    });
    return form;
  }

  function cancelPanel(order) {
    const formBox = messageBox();
    const titleId = uid('cancelar');
    const reason = h('textarea', { rows: 2, required: true, maxlength: 500 });
    const cancel = h('button', { type: 'submit', class: 'perigo' }, 'Cancelar OS');
    const form = h('form', { class: 'painel formulario', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, 'Cancelar OS'),
      field('Motivo do cancelamento', reason, 'Fica no histórico. Se havia visita marcada, o cliente é avisado.'),
      formBox, h('div', { class: 'acoes' }, cancel));
    onSubmit(form, cancel, formBox, async () => {
      const sure = await confirmDialog('Cancelar OS', `Cancelar a OS ${order.numero}? As vagas da agenda são liberadas; `
        + 'não é possível desfazer.', 'Cancelar OS');
      if (!sure) return;
      const answer = await api('POST', 'ordem_servico/cancelar', { body: {
        id_ordem_servico: order.id_ordem_servico, motivo: reason.value.trim(),
      } });
      await load(answer.msg);
    });
    return form;
  }

  // ------------------------------------------------- messages and history
  function historyPanel(order, history) {
    const formBox = messageBox();
    const text = h('textarea', { rows: 2, required: true, maxlength: 5000 });
    const add = h('button', { type: 'submit', class: 'secundario' }, 'Adicionar mensagem');
    const form = h('form', { class: 'formulario', 'aria-label': 'Nova mensagem na OS' },
      field('Nova mensagem', text), formBox, h('div', { class: 'acoes' }, add));
    onSubmit(form, add, formBox, async () => {
      const answer = await api('POST', `ordem_servico/adicionar_mensagem/${order.id_ordem_servico}`,
        { body: { mensagem: text.value.trim() } });
      await load(answer.msg);
    });
    return h('section', { class: 'painel', 'aria-labelledby': 'os-historico' },
      h('h2', { id: 'os-historico' }, 'Mensagens e histórico'),
      h('ol', { class: 'historico' }, history.historico.map((item) => h('li', {},
        h('strong', {}, ACTIONS[item.acao] || item.acao), ` · ${dateBR(item.data)}`,
        item.usuario ? ` · ${item.usuario}` : '', item.detalhe ? h('p', {}, item.detalhe) : null))),
      history.mensagens.length ? h('ul', { class: 'mensagens-os' }, history.mensagens.map((m) => h('li', {},
        h('small', { class: 'dica' }, m.data_cadastro_br), h('p', {}, m.mensagem)))) : null,
      ctx.can('Agendar ordem de serviço') ? form : null);
  }

  load();
}

function programmed(order) {
  const start = order.data_inicio_programado;
  const end = order.data_termino_programado;
  if (!start) return 'Sem data';
  const sameDay = end && end.slice(0, 10) === start.slice(0, 10);
  return `${dateBR(start)}–${end ? (sameDay ? end.slice(11, 16) : dateBR(end)) : ''}`;
}

export function showSlots(slots, dates) {
  const name = uid('vaga');
  const groups = Object.entries(dates).filter(([, day]) => day.disponiveis > 0).map(([day, info]) =>
    h('div', { class: 'dia-livre' }, h('h3', {}, dateBR(day)),
      Object.values(info.horarios).filter((slot) => slot.disponiveis > 0).map((slot) => h('label', { class: 'opcao horario' },
        h('input', { type: 'radio', name, value: `${slot.data_inicio}T${slot.hora_inicio}`,
          dataset: { fim: `${slot.data_termino}T${slot.hora_termino}` } }),
        ` ${slot.hora_inicio.slice(0, 5)}–${slot.hora_termino.slice(0, 5)} (${slot.disponiveis} ${
          slot.disponiveis === 1 ? 'vaga' : 'vagas'})`))));
  replace(slots, groups.length ? groups : h('p', { class: 'dica' }, 'Nenhuma vaga livre nesses dias.'));
}
