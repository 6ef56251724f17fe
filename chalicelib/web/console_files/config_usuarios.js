// Configurações > Usuários (administrators only): the API's users with their permissions; create one, change
// its name, permissions, admin flag and linked technician, deactivate (its tokens are revoked at once) or
// reactivate it, and end its sessions. The API refuses what would leave no active administrator.
import { api } from './api.js';
import { busy, confirmDialog, dataTable, field, fillRows, h, messageBox, replace, showError, showMessage, uid } from './ui.js';

export function render(content, ctx) {
  const box = messageBox();
  const body = h('tbody', {});
  const formSlot = h('div', {});
  const add = h('button', { type: 'button', disabled: true }, 'Novo usuário'); // the form needs the permissions
  replace(content, box,
    dataTable('Usuários da API', ['Usuário', 'Nome', 'Acesso', 'Técnico', 'Situação', 'Ações'], body, 'usuarios'),
    h('div', { class: 'acoes' }, add), formSlot);
  let permissions = [];
  let technicians = [];
  add.addEventListener('click', () => openForm(null));

  async function load(message) {
    try {
      const [users, allowed, techs] = await Promise.all([
        api('GET', 'configuracao/usuario'), api('GET', 'configuracao/permissao'),
        api('GET', 'configuracao/tecnico', { query: { incluir_inativos: true } })]);
      permissions = allowed.permissoes;
      technicians = techs.tecnicos;
      fillRows(body, users.usuarios, row, 6, 'Nenhum usuário.');
      add.disabled = false;
      if (message) showMessage(box, 'ok', message);
    } catch (error) {
      showError(box, error);
    }
  }

  function technicianName(id) {
    const found = technicians.find((t) => t.id === id);
    return found ? found.name : (id ? `Técnico ${id}` : '—');
  }

  function row(user) {
    const me = user.id === ctx.user.id;
    const count = user.permissoes.length;
    const access = user.admin ? 'Administrador' : `${count} ${count === 1 ? 'permissão' : 'permissões'}`;
    return h('tr', { dataset: { usuario: user.id }, class: user.ativo ? null : 'inativo' },
      h('th', { scope: 'row' }, user.username, me ? h('small', { class: 'dica' }, ' (você)') : null),
      h('td', {}, user.nome),
      h('td', { title: user.admin ? '' : user.permissoes.join(', ') }, access),
      h('td', {}, technicianName(user.id_tecnico)),
      h('td', {}, h('span', { class: `selo ${user.ativo ? 'ativo' : 'inativo'}` }, user.ativo ? 'Ativo' : 'Inativo')),
      h('td', { class: 'acoes-linha' },
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar o usuário ${user.username}`,
          onclick: () => openForm(user) }, 'Editar'),
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Encerrar sessões de ${user.username}`,
          onclick: (e) => revoke(user, e.currentTarget) }, 'Encerrar sessões'),
        me ? null : h('button', { type: 'button', class: user.ativo ? 'perigo pequeno' : 'pequeno',
          'aria-label': `${user.ativo ? 'Desativar' : 'Reativar'} o usuário ${user.username}`,
          onclick: (e) => setActive(user, !user.ativo, e.currentTarget) }, user.ativo ? 'Desativar' : 'Reativar')));
  }

  async function revoke(user, button) {
    const sure = await confirmDialog('Encerrar sessões', `Encerrar todas as sessões de ${user.username}? Ele precisará `
      + 'entrar de novo em todos os aparelhos e integrações.', 'Encerrar');
    if (!sure) return;
    await busy(button, async () => {
      try {
        const answer = await api('POST', `configuracao/usuario/${user.id}/revogar_tokens`);
        showMessage(box, 'ok', answer.msg);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  async function setActive(user, active, button) {
    if (!active) {
      const sure = await confirmDialog('Desativar usuário', `Desativar ${user.username}? Ele não entra mais e suas `
        + 'sessões são encerradas na hora.', 'Desativar');
      if (!sure) return;
    }
    await busy(button, async () => {
      try {
        await api('PUT', `configuracao/usuario/${user.id}`, { body: { ativo: active } });
        await load(`Usuário ${user.username} ${active ? 'reativado' : 'desativado'}.`);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  function openForm(user) {
    const titleId = uid('usuario');
    const username = user ? null : h('input', { required: true, autocomplete: 'off', maxlength: 100 });
    const password = user ? null : h('input', { type: 'password', required: true, autocomplete: 'new-password', minlength: 8 });
    const name = h('input', { required: true, maxlength: 150, value: user ? user.nome : '' });
    const admin = h('input', { type: 'checkbox', checked: user ? user.admin : false });
    const technician = h('select', {}, h('option', { value: '' }, 'Nenhum'),
      technicians.filter((t) => t.ativo || (user && t.id === user.id_tecnico)).map((t) => h('option', {
        value: String(t.id), selected: user && user.id_tecnico === t.id }, t.name)));
    const boxes = permissions.map((p) => h('label', { class: 'opcao' },
      h('input', { type: 'checkbox', value: p, checked: Boolean(user && user.permissoes.includes(p)) }), ` ${p}`));
    const grants = h('fieldset', {}, h('legend', {}, 'Permissões'), h('div', { class: 'opcoes' }, boxes));
    const showGrants = () => { grants.hidden = admin.checked; };
    admin.addEventListener('change', showGrants);
    showGrants();
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, user ? 'Salvar usuário' : 'Cadastrar usuário');
    const cancel = h('button', { type: 'button', class: 'secundario' }, 'Cancelar');
    const form = h('form', { class: 'painel formulario', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, user ? `Editar usuário: ${user.username}` : 'Novo usuário'),
      user ? null : h('div', { class: 'linha' }, field('Usuário', username, 'Letras, números, ponto, @, +, - ou _.'),
        field('Senha', password, 'Pelo menos 8 caracteres.')),
      h('div', { class: 'linha' }, field('Nome', name),
        field('Técnico ligado', technician, 'Um usuário ligado a um técnico vê só as OS dele.')),
      h('div', { class: 'campo caixa' }, h('label', {}, admin, ' Administrador (todas as permissões)')),
      grants, formBox, h('div', { class: 'acoes' }, save, cancel));
    replace(formSlot, form);
    cancel.addEventListener('click', () => replace(formSlot));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      const payload = { nome: name.value.trim(), admin: admin.checked, permissoes: admin.checked ? [] : chosen };
      await busy(save, async () => {
        try {
          let answer;
          if (user) {
            payload.id_tecnico = technician.value ? Number(technician.value) : null;
            answer = await api('PUT', `configuracao/usuario/${user.id}`, { body: payload });
          } else {
            Object.assign(payload, { username: username.value.trim(), password: password.value });
            if (technician.value) payload.id_tecnico = Number(technician.value);
            answer = await api('POST', 'configuracao/usuario', { body: payload });
          }
          replace(formSlot);
          await load(answer.msg);
        } catch (error) {
          if (password) password.value = '';
          showError(formBox, error);
        }
      });
    });
    (username || name).focus();
  }

  load();
}
