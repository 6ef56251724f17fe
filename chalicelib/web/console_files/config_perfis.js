// Configurações > Perfis de suspensão: how many days after the due date an unpaid service is suspended,
// how many days before that the customer is warned, and the trust unlock it allows (days per unlock, unlocks a
// month; 0: none). List, create, edit, make default (exactly one is), delete
// (the API refuses while a service uses the profile or while it is the default, and says why).
import { api } from './api.js';
import {
  busy, confirmDialog, dataTable, field, fillRows, h, messageBox, onSubmit, replace, showError, showMessage, uid,
} from './ui.js';

const MAX_DAYS = 365;
const MAX_TRUST_DAYS = 30; // MAX_TRUST_DAYS and MAX_TRUST_PER_MONTH of chalicelib/billing/suspension/service.py
const MAX_TRUST_PER_MONTH = 10;
const BUILT_IN = 0;

export function render(content, ctx) {
  const box = messageBox();
  const body = h('tbody', {});
  const canEdit = ctx.can('Gerenciar faturas');
  const formSlot = h('div', {});
  const add = canEdit ? h('button', { type: 'button' }, 'Novo perfil') : null;
  replace(content,
    h('p', { class: 'dica' }, 'Cada serviço segue um perfil; sem perfil próprio, o padrão. As datas de cada fatura '
      + 'vêm do perfil vigente quando ela é cadastrada.'),
    box,
    dataTable('Perfis de suspensão', ['Descrição', 'Aviso', 'Suspensão', 'Desbloqueio em confiança', 'Serviços', 'Padrão',
      canEdit ? 'Ações' : null]
      .filter(Boolean), body, 'perfis'),
    add ? h('div', { class: 'acoes' }, add) : null,
    formSlot);
  if (add) add.addEventListener('click', () => openForm(null));

  async function load(message) {
    try {
      const profiles = (await api('GET', 'configuracao/perfil_suspensao')).perfis_suspensao;
      fillRows(body, profiles, row, canEdit ? 7 : 6, 'Nenhum perfil cadastrado.');
      if (message) showMessage(box, 'ok', message);
    } catch (error) {
      showError(box, error);
    }
  }

  function row(profile) {
    const name = profile.descricao;
    // The built-in profile (id 0) stands until the provider makes one of its own the default: not editable.
    const actions = profile.id_perfil_suspensao === BUILT_IN ? [h('span', { class: 'dica' }, 'Perfil embutido')] : [
      h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar o perfil ${name}`,
        onclick: () => openForm(profile) }, 'Editar'),
      profile.padrao ? null : h('button', { type: 'button', class: 'secundario pequeno',
        'aria-label': `Tornar padrão o perfil ${name}`, onclick: (e) => makeDefault(profile, e.currentTarget) }, 'Tornar padrão'),
      h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Excluir o perfil ${name}`,
        onclick: (e) => remove(profile, e.currentTarget) }, 'Excluir'),
    ];
    return h('tr', { dataset: { perfil: profile.id_perfil_suspensao } },
      h('th', { scope: 'row' }, name),
      h('td', {}, profile.dias_aviso ? `${profile.dias_aviso} dia(s) antes da suspensão` : 'Sem aviso'),
      h('td', {}, `${profile.dias_bloqueio} dia(s) após o vencimento`),
      h('td', {}, trustText(profile)),
      h('td', { class: 'numero' }, profile.quantidade_servicos ?? '—'),
      h('td', {}, profile.padrao ? h('span', { class: 'selo padrao' }, 'Padrão') : ''),
      canEdit ? h('td', { class: 'acoes-linha' }, actions) : null);
  }

  function trustText(profile) {
    if (!profile.dias_desbloqueio_confianca || !profile.desbloqueios_confianca_mes) return 'Não permite';
    return `Até ${profile.dias_desbloqueio_confianca} dia(s), ${profile.desbloqueios_confianca_mes} vez(es) por mês`;
  }

  async function makeDefault(profile, button) {
    await busy(button, async () => {
      try {
        await api('PUT', `configuracao/perfil_suspensao/${profile.id_perfil_suspensao}`, { body: { padrao: true } });
        await load(`${profile.descricao} agora é o perfil padrão.`);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  async function remove(profile, button) {
    const sure = await confirmDialog('Excluir perfil de suspensão', `Excluir o perfil ${profile.descricao}? `
      + 'Só é possível quando nenhum serviço o usa e ele não é o padrão.', 'Excluir');
    if (!sure) return;
    await busy(button, async () => {
      try {
        await api('DELETE', `configuracao/perfil_suspensao/${profile.id_perfil_suspensao}`);
        await load(`Perfil ${profile.descricao} excluído.`);
      } catch (error) {
        showError(box, error);
      }
    });
  }

  // One form for creating (profile null) and editing.
  function openForm(profile) {
    const titleId = uid('perfil');
    const description = h('input', { required: true, maxlength: 120, value: profile ? profile.descricao : '' });
    const days = (value, max = MAX_DAYS) => h('input', { type: 'number', inputmode: 'numeric', min: 0, max,
      required: true, value: value === undefined ? '' : String(value) });
    const warning = days(profile ? profile.dias_aviso : 5);
    const suspension = days(profile ? profile.dias_bloqueio : 15);
    const trustDays = days(profile ? profile.dias_desbloqueio_confianca : 3, MAX_TRUST_DAYS);
    const trustPerMonth = days(profile ? profile.desbloqueios_confianca_mes : 1, MAX_TRUST_PER_MONTH);
    const isDefault = h('input', { type: 'checkbox', checked: profile ? profile.padrao : false, disabled: profile && profile.padrao });
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, profile ? 'Salvar perfil' : 'Cadastrar perfil');
    const cancel = h('button', { type: 'button', class: 'secundario' }, 'Cancelar');
    const form = h('form', { class: 'painel formulario', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, profile ? `Editar perfil: ${profile.descricao}` : 'Novo perfil de suspensão'),
      field('Descrição', description),
      h('div', { class: 'linha' },
        field('Dias de aviso', warning, 'Avisar tantos dias antes da suspensão (0: sem aviso).'),
        field('Dias para suspensão', suspension, 'Suspender tantos dias após o vencimento da fatura em aberto.')),
      h('div', { class: 'linha' },
        field('Dias de desbloqueio em confiança', trustDays, 'Máximo de dias de cada desbloqueio (0: não permite).'),
        field('Desbloqueios em confiança por mês', trustPerMonth, 'Quantos por mês do calendário (0: não permite).')),
      h('div', { class: 'campo caixa' }, h('label', {}, isDefault, ' Perfil padrão (dos serviços sem perfil próprio)')),
      profile && profile.padrao ? h('p', { class: 'dica' }, 'Para deixar de ser o padrão, torne outro perfil padrão.') : null,
      formBox, h('div', { class: 'acoes' }, save, cancel));
    replace(formSlot, form);
    cancel.addEventListener('click', () => replace(formSlot));
    onSubmit(form, save, formBox, async () => {
      const payload = {
        descricao: description.value.trim(), dias_aviso: Number(warning.value), dias_bloqueio: Number(suspension.value),
        dias_desbloqueio_confianca: Number(trustDays.value), desbloqueios_confianca_mes: Number(trustPerMonth.value),
      };
      if (!profile || !profile.padrao) payload.padrao = isDefault.checked;
      const answer = profile
        ? await api('PUT', `configuracao/perfil_suspensao/${profile.id_perfil_suspensao}`, { body: payload })
        : await api('POST', 'configuracao/perfil_suspensao', { body: payload });
      replace(formSlot);
      await load(answer.msg);
    });
    description.focus();
  }

  load();
}
