// The API reference: the server's own OpenAPI document (GET /api/v1/openapi.json), rendered
// as a list of its operations by tag, with their parameters, bodies and answers. Nothing here
// is written by hand: a new endpoint appears as soon as the server describes it.

import { api } from './api.js';
import { h, errorBox, showError } from './dom.js';

/** The name of a `$ref`, or a schema's type in words. */
function schemaText(schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.type === 'array') return `array of ${schemaText(schema.items)}`;
  if (schema.oneOf) return schema.oneOf.map(schemaText).join(' or ');
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  return schema.type || 'any';
}

function bodyText(content) {
  return Object.entries(content || {})
    .map(([type, media]) => `${schemaText(media.schema)} (${type})`)
    .join(', ');
}

function operation(path, method, op) {
  const params = (op.parameters || []).map((p) =>
    h('li', {}, h('code', {}, p.name), ` in ${p.in}${p.required ? ', required' : ''}: ${schemaText(p.schema)}`),
  );
  const answers = Object.entries(op.responses || {}).map(([status, r]) =>
    h('li', {}, h('code', {}, status), ` ${r.description || ''}`, r.content ? ` → ${bodyText(r.content)}` : ''),
  );
  const body = op.requestBody ? h('p', {}, 'Body: ', bodyText(op.requestBody.content)) : null;
  const open = op.security && op.security.length === 1 && Object.keys(op.security[0]).length === 0;
  return h(
    'details',
    { class: 'operation' },
    h('summary', {}, h('span', { class: `method ${method}` }, method.toUpperCase()), ' ', h('code', {}, path), ' ', op.summary || ''),
    op.description ? h('p', {}, op.description) : null,
    open ? h('p', {}, 'No credentials needed.') : null,
    params.length ? h('div', {}, h('h4', {}, 'Parameters'), h('ul', {}, params)) : null,
    body,
    h('h4', {}, 'Answers'),
    h('ul', {}, answers),
  );
}

/** Operations grouped by their first tag, in the document's tag order. */
function byTag(document) {
  const groups = new Map((document.tags || []).map((t) => [t.name, { tag: t, operations: [] }]));
  for (const [path, item] of Object.entries(document.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const name = (op.tags || ['other'])[0];
      if (!groups.has(name)) groups.set(name, { tag: { name }, operations: [] });
      groups.get(name).operations.push(operation(path, method, op));
    }
  }
  return [...groups.values()].filter((g) => g.operations.length > 0);
}

export async function referenceView(main) {
  const errors = errorBox();
  main.append(
    h('h1', {}, 'API'),
    h(
      'p',
      {},
      'Every endpoint of the native API, OAuth2 and the health check, as the server describes them. ',
      'Generate a client from ',
      h('a', { href: '/api/v1/openapi.json' }, 'the OpenAPI document'),
      '.',
    ),
    errors,
  );
  try {
    const document = await api('GET', '/api/v1/openapi.json');
    for (const group of byTag(document)) {
      main.append(
        h(
          'section',
          { class: 'api-tag' },
          h('h2', {}, group.tag.name),
          group.tag.description ? h('p', {}, group.tag.description) : null,
          group.operations,
        ),
      );
    }
  } catch (e) {
    showError(errors, e);
  }
}
