// Configurações > Técnicos: the field technicians agendas and OS name. Create, edit, deactivate (never
// deleted: past OS keep their name; an inactive one cannot join agendas or OS again) and reactivate.
import { api } from './api.js';
import {
  busy, confirmDialog, dataTable, field, fillRows, h, messageBox, onSubmit, replace, showError, showMessage, uid,
} from './ui.js';

export function render(content, ctx) {
  const box = messageBox();
  const body = h('tbody', {});
  const formSlot = h('div', {});
  const canEdit = ctx.can('Cadastrar técnicos');
  const add = canEdit ? h('button', { type: 'button' }, 'Novo técnico') : null;
  replace(content, box,
    dataTable('Técnicos', ['Nome', 'E-mail', 'Telefone', 'Situação', canEdit ? 'Ações' : null].filter(Boolean), body,
      'tecnicos'),
    add ? h('div', { class: 'acoes' }, add) : null, formSlot);
  if (add) add.addEventListener('click', () => openForm(null));

  async function load(message) {
    try {
      const answer = await api('GET', 'configuracao/tecnico', { query: { incluir_inativos: true } });
      fillRows(body, answer.tecnicos, row, canEdit ? 5 : 4, 'Nenhum técnico cadastrado.');
      if (message) showMessage(box, 'ok', message);
    } catch (error) {
      showError(box, error);
    }
  }

  function row(technician) {
    return h('tr', { dataset: { tecnico: technician.id } },
      h('th', { scope: 'row' }, technician.name),
      h('td', {}, technician.email || '—'),
      h('td', {}, phoneBR(technician.telefone)),
      h('td', {}, h('span', { class: `selo ${technician.ativo ? 'ativo' : 'inativo'}` }, technician.ativo ? 'Ativo' : 'Inativo')),
      canEdit ? h('td', { class: 'acoes-linha' },
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar o técnico ${technician.name}`,
          onclick: () => openForm(technician) }, 'Editar'),
        h('button', { type: 'button', class: technician.ativo ? 'perigo pequeno' : 'pequeno',
          'aria-label': `${technician.ativo ? 'Desativar' : 'Reativar'} o técnico ${technician.name}`,
          onclick: (e) => setActive(technician, !technician.ativo, e.currentTarget) },
        technician.ativo ? 'Desativar' : 'Reativar')) : null);
  }

  async function setActive(technician, active, button) {
    if (!active) {
      const sure = await confirmDialog('Desativar técnico', `Desativar ${technician.name}? Ele continua nas agendas `
        + 'e OS em que já está, mas não pode ser incluído em novas.', 'Desativar');
      if (!sure) return;
    }
    await busy(button, async () => {
      try {
        if (active) await api('PUT', `configuracao/tecnico/${technician.id}`, { body: { ativo: true } });
        else await api('DELETE', `configuracao/tecnico/${technician.id}`);
        await load(`Técnico ${technician.name} ${active ? 'reativado' : 'desativado'}.`);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  function openForm(technician) {
    const titleId = uid('tecnico');
    const name = h('input', { required: true, maxlength: 150, value: technician ? technician.name : '' });
    const email = h('input', { type: 'email', required: true, maxlength: 254, value: technician ? technician.email || '' : '' });
    const phone = h('input', { type: 'tel', inputmode: 'tel', maxlength: 20, placeholder: '(19) 98765-4321',
      value: technician ? phoneBR(technician.telefone, '') : '' });
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, technician ? 'Salvar técnico' : 'Cadastrar técnico');
    const cancel = h('button', { type: 'button', class: 'secundario' }, 'Cancelar');
    const form = h('form', { class: 'painel formulario', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, technician ? `Editar técnico: ${technician.name}` : 'Novo técnico'),
      h('div', { class: 'linha' }, field('Nome', name), field('E-mail', email), field('Telefone', phone, 'Com DDD.')),
      formBox, h('div', { class: 'acoes' }, save, cancel));
    replace(formSlot, form);
    cancel.addEventListener('click', () => replace(formSlot));
    onSubmit(form, save, formBox, async () => {
      const payload = { name: name.value.trim(), email: email.value.trim(), telefone: phone.value.trim() };
      const answer = technician
        ? await api('PUT', `configuracao/tecnico/${technician.id}`, { body: payload })
        : await api('POST', 'configuracao/tecnico', { body: payload });
      replace(formSlot);
      await load(answer.msg);
    });
    name.focus();
  }

  load();
}

// "19987654321" → "(19) 98765-4321".
function phoneBR(digits, empty = '—') {
  if (!digits) return empty;
  const match = /^(\d{2})(\d{4,5})(\d{4})$/.exec(digits);
  return match ? `(${match[1]}) ${match[2]}-${match[3]}` : digits;
}
