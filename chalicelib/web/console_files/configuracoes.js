// Configurações: the provider's settings, one area per address, each behind its own permission (the
// menu shows the areas the user may open; an area opened by its address without the permission says so,
// and the API refuses it anyway).
//   #/configuracoes/<area>
import { h, replace } from './ui.js';
import * as cartao from './config_cartao.js';
import * as catalogos from './config_catalogos.js';
import * as modelos from './config_modelos.js';
import * as perfis from './config_perfis.js';
import * as tecnicos from './config_tecnicos.js';
import * as usuarios from './config_usuarios.js';
import * as zapme from './config_zapme.js';

// Areas only administrators open (their API routes are admin-only, not tied to a permission).
export const ADMIN = 'Administrador';

export const AREAS = [
  { path: 'cartao', title: 'Integrações · Cartão de Crédito', permission: 'Configurar integrações', module: cartao },
  { path: 'zapme', title: 'Integrações · ZapMe', permission: 'Configurar integrações', module: zapme },
  { path: 'modelos', title: 'Modelos de mensagem', permission: 'Configurar notificações', module: modelos },
  { path: 'perfis', title: 'Perfis de suspensão', permission: 'Consultar faturas', module: perfis },
  { path: 'usuarios', title: 'Usuários', permission: ADMIN, module: usuarios },
  { path: 'tecnicos', title: 'Técnicos', permission: 'Consultar técnicos', module: tecnicos },
  { path: 'catalogos', title: 'Catálogos de OS', permission: 'Configurar catálogos de OS', module: catalogos },
];

// The areas `user` may open (`can` tells a permission); the administrators' ones need the admin flag.
export function allowedAreas(user, can) {
  return AREAS.filter((area) => (area.permission === ADMIN ? Boolean(user.admin) : can(area.permission)));
}

export function render(main, ctx) {
  const allowed = allowedAreas(ctx.user, ctx.can);
  const wanted = ctx.rest[0] || (allowed[0] && allowed[0].path);
  const area = AREAS.find((a) => a.path === wanted);
  const nav = h('nav', { class: 'areas', 'aria-label': 'Áreas de configuração' },
    h('ul', {}, allowed.map((a) => h('li', {}, h('a', {
      href: `#/configuracoes/${a.path}`, 'aria-current': a === area ? 'page' : false,
    }, a.title)))));
  const content = h('div', { class: 'area' });
  main.append(h('section', { class: 'tela tela-configuracoes' },
    h('div', { class: 'barra' }, h('h1', {}, area ? `Configurações · ${area.title}` : 'Configurações')),
    h('div', { class: 'configuracoes' }, nav, content)));
  if (!area) {
    replace(content, h('p', {}, 'Área de configuração não encontrada.'));
    return null;
  }
  if (!allowed.includes(area)) {
    replace(content, h('p', { role: 'alert' }, area.permission === ADMIN
      ? 'Só administradores abrem esta tela.'
      : `Seu usuário não tem a permissão "${area.permission}" para esta tela.`));
    return null;
  }
  return area.module.render(content, ctx) || null;
}
