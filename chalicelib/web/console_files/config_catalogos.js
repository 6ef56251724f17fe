// Configurações > Catálogos de OS: ticket types (with "abre OS"), OS types, closing reasons and schedule
// removal reasons, with the provider's own ids (the ones its bots send). Create with an id of the provider's
// choosing, edit the text (and the flag), deactivate and reactivate: an entry is never deleted, the OS and
// tickets that name it keep its text.
import { api } from './api.js';
import {
  busy, confirmDialog, dataTable, field, fillRows, h, messageBox, onSubmit, replace, showError, showMessage, uid,
} from './ui.js';

// One per catalogue: its route, HubSoft's keys and its words.
export const CATALOGUES = [
  { path: 'tipo_atendimento', list: 'tipos_atendimento', id: 'id_tipo_atendimento', title: 'Tipos de atendimento',
    one: 'tipo de atendimento', opensOrders: true },
  { path: 'tipo_ordem_servico', list: 'tipo_ordem_servicos', id: 'id_tipo_ordem_servico',
    title: 'Tipos de ordem de serviço', one: 'tipo de OS' },
  { path: 'motivo_fechamento_os', list: 'motivos_fechamento', id: 'id_motivo_fechamento',
    title: 'Motivos de fechamento de OS', one: 'motivo de fechamento' },
  { path: 'motivo_remocao_agendamento', list: 'motivos_remocao_agendamento', id: 'id_motivo_remocao_agendamento',
    title: 'Motivos de remoção de agendamento', one: 'motivo de remoção' },
  { path: 'motivo_fechamento_atendimento', list: 'motivos_fechamento_atendimento',
    id: 'id_motivo_fechamento_atendimento', title: 'Motivos de fechamento de atendimento',
    one: 'motivo de fechamento de atendimento' },
];

export function render(content, ctx) {
  const box = messageBox();
  const canEdit = ctx.can('Configurar catálogos de OS');
  const sections = CATALOGUES.map((catalogue) => section(catalogue, box, canEdit));
  replace(content, box, ...sections.map((s) => s.element));
  sections.forEach((s) => s.load());
}

function section(catalogue, box, canEdit) {
  const body = h('tbody', {});
  const formSlot = h('div', {});
  const columns = ['ID', 'Descrição', catalogue.opensOrders ? 'Abre OS' : null, 'Situação', canEdit ? 'Ações' : null]
    .filter(Boolean);
  const add = canEdit ? h('button', { type: 'button' }, `Novo ${catalogue.one}`) : null;
  let entries = [];
  const headingId = uid('catalogo');
  const element = h('section', { class: 'catalogo', dataset: { catalogo: catalogue.path }, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, catalogue.title),
    dataTable(catalogue.title, columns, body, `catalogo ${catalogue.path}`),
    add ? h('div', { class: 'acoes' }, add) : null, formSlot);
  if (add) add.addEventListener('click', () => openForm(null));

  async function load(message) {
    try {
      const answer = await api('GET', `configuracao/${catalogue.path}`, { query: { incluir_inativos: true } });
      entries = answer[catalogue.list];
      fillRows(body, entries, row, columns.length, 'Nenhum item cadastrado.');
      if (message) showMessage(box, 'ok', message);
    } catch (error) {
      showError(box, error);
    }
  }

  function row(entry) {
    const id = entry[catalogue.id];
    return h('tr', { dataset: { id } },
      h('td', {}, String(id)),
      h('th', { scope: 'row' }, entry.descricao),
      catalogue.opensOrders ? h('td', {}, entry.abre_os ? 'Sim' : 'Não') : null,
      h('td', {}, h('span', { class: `selo ${entry.ativo ? 'ativo' : 'inativo'}` }, entry.ativo ? 'Ativo' : 'Inativo')),
      canEdit ? h('td', { class: 'acoes-linha' },
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar ${entry.descricao}`,
          onclick: () => openForm(entry) }, 'Editar'),
        h('button', { type: 'button', class: entry.ativo ? 'perigo pequeno' : 'pequeno',
          'aria-label': `${entry.ativo ? 'Desativar' : 'Reativar'} ${entry.descricao}`,
          onclick: (e) => setActive(entry, !entry.ativo, e.currentTarget) },
        entry.ativo ? 'Desativar' : 'Reativar')) : null);
  }

  async function setActive(entry, active, button) {
    const id = entry[catalogue.id];
    if (!active) {
      const sure = await confirmDialog(`Desativar ${catalogue.one}`, `Desativar "${entry.descricao}" (ID ${id})? `
        + 'As OS e atendimentos que o usam mantêm o texto, mas novos não poderão usá-lo.', 'Desativar');
      if (!sure) return;
    }
    await busy(button, async () => {
      try {
        const answer = active
          ? await api('PUT', `configuracao/${catalogue.path}/${id}`, { body: { ativo: true } })
          : await api('DELETE', `configuracao/${catalogue.path}/${id}`);
        await load(answer.msg);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  function openForm(entry) {
    const titleId = uid('catalogo');
    const next = Math.max(0, ...entries.map((e) => e[catalogue.id])) + 1;
    const id = h('input', { type: 'number', min: 1, max: 999999999, required: true, disabled: Boolean(entry),
      value: String(entry ? entry[catalogue.id] : next) });
    const description = h('input', { required: true, maxlength: 150, value: entry ? entry.descricao : '' });
    const opens = catalogue.opensOrders
      ? h('input', { type: 'checkbox', checked: entry ? Boolean(entry.abre_os) : true }) : null;
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, entry ? 'Salvar' : 'Cadastrar');
    const cancel = h('button', { type: 'button', class: 'secundario' }, 'Cancelar');
    const form = h('form', { class: 'painel formulario', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, entry ? `Editar ${catalogue.one}: ${entry.descricao}` : `Novo ${catalogue.one}`),
      h('div', { class: 'linha' },
        field('ID', id, 'O mesmo ID que seus sistemas e bots já usam (por exemplo o do HubSoft).'),
        field('Descrição', description),
        opens ? field('Abre OS', opens, 'Um atendimento deste tipo pode abrir ordem de serviço.') : null),
      formBox, h('div', { class: 'acoes' }, save, cancel));
    replace(formSlot, form);
    cancel.addEventListener('click', () => replace(formSlot));
    onSubmit(form, save, formBox, async () => {
      const payload = { descricao: description.value.trim() };
      if (opens) payload.abre_os = opens.checked;
      const answer = entry
        ? await api('PUT', `configuracao/${catalogue.path}/${entry[catalogue.id]}`, { body: payload })
        : await api('POST', `configuracao/${catalogue.path}`, { body: { ...payload, [catalogue.id]: Number(id.value) } });
      replace(formSlot);
      await load(answer.msg);
    });
    (entry ? description : id).focus();
  }

  return { element, load };
}
