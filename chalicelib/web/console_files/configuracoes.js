// Configurações: the provider's settings, one area per address, each behind its own permission (the
// menu shows the areas the user may open; an area opened by its address without the permission says so,
// and the API refuses it anyway).
//   #/configuracoes/<area>
import { h, replace } from './ui.js';
import * as cartao from './config_cartao.js';

export const AREAS = [
  { path: 'cartao', title: 'Integrações · Cartão de Crédito', permission: 'Configurar integrações', module: cartao },
];

export const ADMIN = 'Administrador';

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
