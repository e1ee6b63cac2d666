/**
 * A schema-shaped check of HAR 1.2 documents, from the specification's
 * field tables (http://www.softwareishard.com/blog/har-12-spec/): required
 * fields and their types, optional fields typed when present, custom fields
 * prefixed with "_", timings in range and `time` their sum.
 */
type Spec = Record<string, string>;

/** Field → type ("string", "number", "boolean", "object", "array"); a trailing "?" marks optional. */
const SPEC: Record<string, Spec> = {
  log: { version: 'string', creator: 'object', 'browser?': 'object', 'pages?': 'array', entries: 'array', 'comment?': 'string' },
  creator: { name: 'string', version: 'string', 'comment?': 'string' },
  page: { startedDateTime: 'string', id: 'string', title: 'string', pageTimings: 'object', 'comment?': 'string' },
  pageTimings: { 'onContentLoad?': 'number', 'onLoad?': 'number', 'comment?': 'string' },
  entry: {
    'pageref?': 'string', startedDateTime: 'string', time: 'number', request: 'object', response: 'object', cache: 'object',
    timings: 'object', 'serverIPAddress?': 'string', 'connection?': 'string', 'comment?': 'string',
  },
  request: {
    method: 'string', url: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', queryString: 'array',
    'postData?': 'object', headersSize: 'number', bodySize: 'number', 'comment?': 'string',
  },
  response: {
    status: 'number', statusText: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', content: 'object',
    redirectURL: 'string', headersSize: 'number', bodySize: 'number', 'comment?': 'string',
  },
  cookie: {
    name: 'string', value: 'string', 'path?': 'string', 'domain?': 'string', 'expires?': 'string', 'httpOnly?': 'boolean',
    'secure?': 'boolean', 'comment?': 'string',
  },
  nameValue: { name: 'string', value: 'string', 'comment?': 'string' },
  postData: { mimeType: 'string', params: 'array', text: 'string', 'comment?': 'string' },
  param: { name: 'string', 'value?': 'string', 'fileName?': 'string', 'contentType?': 'string', 'comment?': 'string' },
  content: { size: 'number', 'compression?': 'number', mimeType: 'string', 'text?': 'string', 'encoding?': 'string', 'comment?': 'string' },
  cache: { 'beforeRequest?': 'object', 'afterRequest?': 'object', 'comment?': 'string' },
  timings: {
    'blocked?': 'number', 'dns?': 'number', 'connect?': 'number', send: 'number', wait: 'number', receive: 'number',
    'ssl?': 'number', 'comment?': 'string',
  },
};

const ISO8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function typeOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function checkObject(where: string, obj: unknown, spec: Spec, errors: string[]): Record<string, unknown> {
  if (typeOf(obj) !== 'object') { errors.push(`${where}: not an object`); return {}; }
  const o = obj as Record<string, unknown>;
  const known = new Set<string>();
  for (const [key, type] of Object.entries(spec)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    known.add(name);
    if (!(name in o)) { if (!optional) errors.push(`${where}.${name}: missing`); continue; }
    if (typeOf(o[name]) !== type) errors.push(`${where}.${name}: ${typeOf(o[name])}, expected ${type}`);
  }
  for (const k of Object.keys(o)) if (!known.has(k) && !k.startsWith('_')) errors.push(`${where}.${k}: not in HAR 1.2 (custom fields start with "_")`);
  return o;
}

/** Checks a HAR document; returns the list of violations (empty = valid). */
export function validateHar(doc: unknown): string[] {
  const errors: string[] = [];
  const root = checkObject('$', doc, { log: 'object' }, errors);
  const log = checkObject('log', root.log, SPEC.log!, errors);
  if (log.version !== '1.2') errors.push('log.version: not "1.2"');
  checkObject('log.creator', log.creator, SPEC.creator!, errors);
  const pageIds = new Set<string>();
  ((log.pages as unknown[]) ?? []).forEach((p, i) => {
    const page = checkObject(`log.pages[${i}]`, p, SPEC.page!, errors);
    checkObject(`log.pages[${i}].pageTimings`, page.pageTimings, SPEC.pageTimings!, errors);
    if (typeof page.startedDateTime === 'string' && !ISO8601.test(page.startedDateTime)) errors.push(`log.pages[${i}].startedDateTime: not ISO 8601`);
    pageIds.add(String(page.id));
  });
  ((log.entries as unknown[]) ?? []).forEach((x, i) => {
    const w = `log.entries[${i}]`;
    const e = checkObject(w, x, SPEC.entry!, errors);
    if (typeof e.startedDateTime === 'string' && !ISO8601.test(e.startedDateTime)) errors.push(`${w}.startedDateTime: not ISO 8601`);
    if (e.pageref !== undefined && !pageIds.has(String(e.pageref))) errors.push(`${w}.pageref: no such page`);
    const req = checkObject(`${w}.request`, e.request, SPEC.request!, errors);
    const res = checkObject(`${w}.response`, e.response, SPEC.response!, errors);
    for (const [part, o] of [['request', req], ['response', res]] as const) {
      ((o.cookies as unknown[]) ?? []).forEach((c, j) => checkObject(`${w}.${part}.cookies[${j}]`, c, SPEC.cookie!, errors));
      ((o.headers as unknown[]) ?? []).forEach((h, j) => checkObject(`${w}.${part}.headers[${j}]`, h, SPEC.nameValue!, errors));
    }
    ((req.queryString as unknown[]) ?? []).forEach((q, j) => checkObject(`${w}.request.queryString[${j}]`, q, SPEC.nameValue!, errors));
    if (req.postData !== undefined) {
      const pd = checkObject(`${w}.request.postData`, req.postData, SPEC.postData!, errors);
      ((pd.params as unknown[]) ?? []).forEach((p, j) => checkObject(`${w}.request.postData.params[${j}]`, p, SPEC.param!, errors));
    }
    checkObject(`${w}.response.content`, res.content, SPEC.content!, errors);
    checkObject(`${w}.cache`, e.cache, SPEC.cache!, errors);
    const t = checkObject(`${w}.timings`, e.timings, SPEC.timings!, errors);
    let sum = 0;
    for (const k of ['blocked', 'dns', 'connect', 'send', 'wait', 'receive', 'ssl']) {
      const v = t[k];
      if (v === undefined) continue;
      const n = v as number;
      if (['send', 'wait', 'receive'].includes(k) ? n < 0 : n < -1) errors.push(`${w}.timings.${k}: ${n} out of range`);
      // ssl time is included in connect (spec), so it is not added twice.
      if (n >= 0 && k !== 'ssl') sum += n;
    }
    if (typeof e.time === 'number' && Math.abs(e.time - sum) > 0.01) errors.push(`${w}.time: ${e.time} is not the sum of the timings (${sum})`);
    for (const k of ['headersSize', 'bodySize'] as const) {
      if (typeof req[k] === 'number' && (req[k] as number) < -1) errors.push(`${w}.request.${k} < -1`);
      if (typeof res[k] === 'number' && (res[k] as number) < -1) errors.push(`${w}.response.${k} < -1`);
    }
  });
  return errors;
}

