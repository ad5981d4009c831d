// The sandbox's dashboard (`GET /__vlens/ui`): plain DOM, no framework, no request to any other origin.
// It reads and steers one tenant through the control API of the same origin, with the ApiKey kept in
// sessionStorage (this tab only; never in the URL or a cookie). Live updates come by long polling the
// journal (`GET /__vlens/requests?after=<latest>&wait=25`): an EventSource cannot send the ApiKey header,
// and a poll held open costs the sandbox nothing while nothing happens. Uploaded images are fetched
// with the header too and shown from blob: URLs. Served with a policy that forbids inline code: every
// style change goes through classes or the CSSOM.

/** @import { ControlSchemas } from '../types.js' */

const KEY_STORAGE = 'vlens-dashboard-apikey';
const LANGUAGE_STORAGE = 'vlens-dashboard-language';
const WAIT_SECONDS = 25;
const JOURNAL_KEPT = 500;
const TRANSACTIONS_SHOWN = 50;
const REFRESH_DELAY_MS = 120;
const RETRY_MS = [500, 1000, 2000, 5000];
const PLAN_STEPS = /** @type {const} */ (['front', 'back', 'liveness', 'link']);

/** @typedef {'en' | 'ar'} Language */

// ---------------------------------------------------------------------------------------------
// Strings, in the two languages the API's messages come in.

const STRINGS = {
  en: {
    title: 'Vlens sandbox',
    connect: 'Show tenant',
    forget: 'Forget key',
    keyHint: 'The ApiKey your app sends; kept in this tab only.',
    language: 'Language',
    views: 'Views',
    tabTransactions: 'Transactions',
    tabJournal: 'Journal',
    tabCatalog: 'Catalog',
    tabCoverage: 'Coverage',
    idle: 'Enter an ApiKey to see its tenant.',
    connecting: 'Connecting…',
    live: 'Live: updates as requests arrive.',
    offline: 'The sandbox cannot be reached; trying again…',
    stateless: 'This mock runs --stateless: it keeps no transactions.',
    noTransactions: 'No transactions yet. Run a capture with this ApiKey and it shows here.',
    moreTransactions: 'The {shown} changed last of {total} transactions.',
    keyOnly: 'Key only (captured before login)',
    user: 'User {id}',
    created: 'Created {time}',
    linked: 'linked to its user',
    verified: 'Verified',
    validated: 'Validated, not verified',
    incomplete: 'In progress',
    refused: 'Refused at {step}: {scenario}',
    front: 'ID front',
    back: 'ID back',
    liveness: 'Liveness',
    link: 'Link',
    passed: 'passed',
    failed: 'failed',
    openImage: 'Open {field} of the {step} full size',
    notPicture: 'Not a picture a browser can show ({bytes} bytes)',
    evicted: 'Evicted to stay within the image budget',
    imageSize: '{width} × {height} pixels, {bytes} bytes',
    planned: 'Planned outcomes: {list}',
    operation: 'Operation',
    status: 'Status',
    transaction: 'Transaction',
    all: 'All',
    colSeq: '#',
    colTime: 'Time',
    colRequest: 'Request',
    colStatus: 'Status',
    colScenario: 'Scenario',
    colChosenBy: 'Chosen by',
    colRefusal: 'Why refused',
    noRequests: 'No requests yet.',
    journalCount: '{shown} of {total} requests',
    openRequest: 'Open request {seq}',
    request: 'Request',
    answer: 'Answer',
    noAnswer: 'No answer was sent.',
    gone: 'The journal no longer holds this request.',
    noStatus: 'none',
    byFlow: 'flow',
    byPrefer: 'Prefer header',
    byQueue: 'queued outcome',
    byPlan: 'planned outcome',
    byMagic: 'magic value',
    planTitle: 'Plan an outcome for a transaction',
    planTransaction: 'Transaction id',
    planStep: 'Step',
    planScenario: 'Scenario',
    planSubmit: 'Plan',
    plannedDone: 'Planned {scenario} for the {step} step of {id}.',
    faultTitle: 'Arm a fault',
    faultName: 'Fault',
    faultDelay: 'Delay (ms)',
    times: 'Times',
    faultSubmit: 'Arm',
    anyOperation: 'Every operation',
    armed: 'Armed {fault} for the next {times} call(s) of {operation}.',
    tenantTitle: 'This tenant',
    expireTokens: 'Expire tokens',
    expired: '{count} token(s) expired.',
    exportState: 'Export state',
    importState: 'Import state…',
    imported: 'Loaded {users} user(s) and {transactions} transaction(s).',
    resetButton: 'Reset this tenant…',
    resetTitle: 'Reset this tenant?',
    resetConfirm: 'Forget everything of this tenant: users, tokens, transactions, images, queued outcomes, faults, journal and coverage.',
    cancel: 'Cancel',
    resetDo: 'Reset',
    resetDone: 'The tenant was reset.',
    catalogIntro: "Each operation's scenarios; Queue makes the next call of that operation answer with it.",
    queue: 'Queue',
    queueFor: 'Queue {scenario} for the next call of {operation}',
    queued: 'Queued {scenario} for the next call of {operation}.',
    isDefault: 'default',
    colCovered: 'Covered',
    colAnswered: 'Answered (times)',
    colNever: 'Never answered',
    coverageTotal: '{covered} of {total} covered ({percent})',
    countFaults: 'Count faults',
    faults: 'Faults',
    allAnswered: 'all answered',
    notCounted: 'not counted',
    downloadMarkdown: 'Markdown summary',
    downloadJunit: 'JUnit report',
    refusedBy: 'The sandbox refused: {detail}',
    close: 'Close',
  },
  ar: {
    title: 'بيئة Vlens التجريبية',
    connect: 'عرض المستأجر',
    forget: 'نسيان المفتاح',
    keyHint: 'مفتاح ApiKey الذي يرسله تطبيقك؛ يُحفظ في هذا التبويب فقط.',
    language: 'اللغة',
    views: 'طرق العرض',
    tabTransactions: 'المعاملات',
    tabJournal: 'السجل',
    tabCatalog: 'الفهرس',
    tabCoverage: 'التغطية',
    idle: 'أدخل مفتاح ApiKey لعرض بيانات المستأجر.',
    connecting: 'جارٍ الاتصال…',
    live: 'مباشر: يتحدّث مع وصول الطلبات.',
    offline: 'تعذّر الوصول إلى البيئة التجريبية؛ جارٍ إعادة المحاولة…',
    stateless: 'يعمل هذا المحاكي بالخيار ‎--stateless‎: لا يحتفظ بأي معاملة.',
    noTransactions: 'لا توجد معاملات بعد. نفّذ خطوات الالتقاط بهذا المفتاح وستظهر هنا.',
    moreTransactions: 'آخر {shown} معاملة تغيّرت من أصل {total}.',
    keyOnly: 'بالمفتاح فقط (التُقطت قبل تسجيل الدخول)',
    user: 'المستخدم {id}',
    created: 'أُنشئت {time}',
    linked: 'مرتبطة بمستخدمها',
    verified: 'موثَّقة',
    validated: 'مُتحقَّق منها، غير موثَّقة',
    incomplete: 'قيد التنفيذ',
    refused: 'رُفضت في خطوة {step}: {scenario}',
    front: 'وجه البطاقة',
    back: 'ظهر البطاقة',
    liveness: 'التحقق من الحيوية',
    link: 'الربط',
    passed: 'نجحت',
    failed: 'فشلت',
    openImage: 'فتح {field} من خطوة {step} بالحجم الكامل',
    notPicture: 'ليست صورة يستطيع المتصفح عرضها ({bytes} بايت)',
    evicted: 'حُذفت للبقاء ضمن مساحة الصور',
    imageSize: '{width} × {height} بكسل، {bytes} بايت',
    planned: 'النتائج المخطط لها: {list}',
    operation: 'العملية',
    status: 'الحالة',
    transaction: 'المعاملة',
    all: 'الكل',
    colSeq: '#',
    colTime: 'الوقت',
    colRequest: 'الطلب',
    colStatus: 'الحالة',
    colScenario: 'السيناريو',
    colChosenBy: 'اختاره',
    colRefusal: 'سبب الرفض',
    noRequests: 'لا توجد طلبات بعد.',
    journalCount: '{shown} من {total} طلب',
    openRequest: 'فتح الطلب {seq}',
    request: 'الطلب',
    answer: 'الرد',
    noAnswer: 'لم يُرسَل أي رد.',
    gone: 'لم يعد السجل يحتفظ بهذا الطلب.',
    noStatus: 'لا شيء',
    byFlow: 'مسار التحقق',
    byPrefer: 'ترويسة Prefer',
    byQueue: 'نتيجة مجدولة',
    byPlan: 'نتيجة مخطط لها',
    byMagic: 'قيمة سحرية',
    planTitle: 'تخطيط نتيجة لمعاملة',
    planTransaction: 'معرّف المعاملة',
    planStep: 'الخطوة',
    planScenario: 'السيناريو',
    planSubmit: 'تخطيط',
    plannedDone: 'خُطِّط {scenario} لخطوة {step} في المعاملة {id}.',
    faultTitle: 'تفعيل عطل',
    faultName: 'العطل',
    faultDelay: 'التأخير (مللي ثانية)',
    times: 'عدد المرات',
    faultSubmit: 'تفعيل',
    anyOperation: 'كل العمليات',
    armed: 'فُعِّل {fault} لـ {times} من الاستدعاءات التالية لـ {operation}.',
    tenantTitle: 'هذا المستأجر',
    expireTokens: 'إنهاء صلاحية الرموز',
    expired: 'انتهت صلاحية {count} من الرموز.',
    exportState: 'تصدير الحالة',
    importState: 'استيراد حالة…',
    imported: 'حُمِّل {users} من المستخدمين و{transactions} من المعاملات.',
    resetButton: 'إعادة ضبط هذا المستأجر…',
    resetTitle: 'إعادة ضبط هذا المستأجر؟',
    resetConfirm: 'سيُنسى كل ما لدى هذا المستأجر: المستخدمون والرموز والمعاملات والصور والنتائج المجدولة والأعطال والسجل والتغطية.',
    cancel: 'إلغاء',
    resetDo: 'إعادة الضبط',
    resetDone: 'أُعيد ضبط المستأجر.',
    catalogIntro: 'سيناريوهات كل عملية؛ «جدولة» تجعل الاستدعاء التالي لتلك العملية يرد به.',
    queue: 'جدولة',
    queueFor: 'جدولة {scenario} للاستدعاء التالي لـ {operation}',
    queued: 'جُدوِل {scenario} للاستدعاء التالي لـ {operation}.',
    isDefault: 'افتراضي',
    colCovered: 'المُغطّى',
    colAnswered: 'رُدّ به (عدد المرات)',
    colNever: 'لم يُرَدّ به قط',
    coverageTotal: 'غُطّي {covered} من {total} ({percent})',
    countFaults: 'احتساب الأعطال',
    faults: 'الأعطال',
    allAnswered: 'رُدّ بها جميعًا',
    notCounted: 'غير محتسبة',
    downloadMarkdown: 'ملخص Markdown',
    downloadJunit: 'تقرير JUnit',
    refusedBy: 'رفضت البيئة التجريبية الطلب: {detail}',
    close: 'إغلاق',
  },
};

/** @typedef {keyof typeof STRINGS.en} StringKey */

/** @type {Language} */
let language = 'en';

/**
 * @param {StringKey} key
 * @param {Record<string, string | number>} [values]
 */
function t(key, values = {}) {
  return STRINGS[language][key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [attributes] attribute values (true: present; false, null, undefined: absent), and `on`: event listeners by event
 * @param {(Node | string | null | undefined | false)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'on') {
      for (const [event, listener] of Object.entries(/** @type {Record<string, EventListener>} */ (value))) element.addEventListener(event, listener);
    } else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** @template {HTMLElement} T @param {string} id @returns {T} */
const byId = (id) => /** @type {T} */ (/** @type {unknown} */ (document.getElementById(id)));

/** An id, a path, a scenario name: left to right inside Arabic text too. @param {string} text */
const code = (text) => h('code', { dir: 'ltr' }, text);

/** @param {number | string} ms */
const time = (ms) => new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));
/** The time of day alone (the journal's column), the full date in its title. @param {number | string} ms */
const clock = (ms) => h('time', { datetime: new Date(ms).toISOString(), title: time(ms) }, new Intl.DateTimeFormat(language, { timeStyle: 'medium' }).format(new Date(ms)));
/** Text of the other direction (a phone number, an English summary) kept whole inside a sentence. @param {string} text */
const isolated = (text) => h('bdi', {}, text);

/**
 * Replaces a container's children, keeping the keyboard focus on the element with the same
 * data-focus key when it is still there (live updates must not throw a keyboard user out).
 * @param {HTMLElement} container
 * @param {(Node | string)[]} children
 */
function replaceKeepingFocus(container, children) {
  const focused = document.activeElement instanceof HTMLElement && container.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
  container.replaceChildren(...children);
  if (focused) /** @type {HTMLElement | null} */ (container.querySelector(`[data-focus="${CSS.escape(focused)}"]`))?.focus();
}

// ---------------------------------------------------------------------------------------------
// The control API of the tenant shown

class Refused extends Error {
  /** @param {number} status @param {ControlSchemas['Problem'] | undefined} problem */
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * A call of the control API for the current key; JSON in and out. Refusals throw Refused.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, signal?: AbortSignal, raw?: boolean }} [options]
 * @returns {Promise<any>}
 */
async function control(method, path, { body, signal, raw = false } = {}) {
  /** @type {Record<string, string>} */
  const headers = { ApiKey: session?.key ?? '' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/__vlens${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store', credentials: 'omit' });
  if (!response.ok) {
    /** @type {ControlSchemas['Problem'] | undefined} */
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = undefined;
    }
    throw new Refused(response.status, problem);
  }
  if (raw) return response;
  return response.status === 204 ? undefined : response.json();
}

// ---------------------------------------------------------------------------------------------
// State of the page

/**
 * @typedef {object} Session
 * @property {string} key
 * @property {AbortController} stop
 * @property {number} latest the journal's latest seq seen
 * @property {ControlSchemas['JournalEntry'][]} journal oldest first
 * @property {number} dropped
 * @property {ControlSchemas['TransactionList'] | null} transactions
 * @property {ControlSchemas['Coverage'] | null} coverage
 * @property {boolean} stateless
 * @property {Map<string, Promise<string | null>>} images object URLs by image SHA-256 (null: the bytes are no picture)
 * @property {Set<number>} open journal entries shown open
 */

/** @type {Session | null} */
let session = null;
/** @type {ControlSchemas['Catalog'] | null} */
let catalog = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;

/** @param {'idle' | 'connecting' | 'live' | 'offline'} state */
function setStatus(state) {
  const status = byId('status');
  status.dataset.state = state;
  status.textContent = session?.stateless && state === 'live' ? `${t('live')} ${t('stateless')}` : t(state);
}

/** @param {string} message @param {'ok' | 'error'} [kind] */
function notify(message, kind = 'ok') {
  const notice = byId('notice');
  notice.textContent = message;
  notice.dataset.kind = kind;
  notice.hidden = false;
}

/** @param {unknown} error */
function notifyError(error) {
  if (error instanceof Refused) notify(t('refusedBy', { detail: error.problem?.detail ?? `HTTP ${error.status}` }), 'error');
  else if (!(error instanceof DOMException && error.name === 'AbortError')) notify(t('offline'), 'error');
}

// ---------------------------------------------------------------------------------------------
// Connecting to a tenant, and the live loop

/** @param {string} key */
async function connect(key) {
  disconnect();
  // Entries of another tenant (or of this one before a reset) share their numbers with this one's.
  details.clear();
  sessionStorage.setItem(KEY_STORAGE, key);
  session = { key, stop: new AbortController(), latest: 0, journal: [], dropped: 0, transactions: null, coverage: null, stateless: false, images: new Map(), open: new Set() };
  setStatus('connecting');
  byId('notice').hidden = true;
  const current = session;
  try {
    catalog ??= await control('GET', '/scenarios');
    current.stateless = catalog?.mode === 'stateless';
    renderCatalog();
    await Promise.all([loadJournal(current), refresh(current)]);
    setStatus('live');
  } catch (error) {
    if (current !== session) return;
    notifyError(error);
    setStatus('offline');
  }
  void live(current);
}

function disconnect() {
  if (!session) return;
  session.stop.abort();
  for (const url of session.images.values()) void url.then((value) => value && URL.revokeObjectURL(value));
  session = null;
  clearTimeout(refreshTimer);
}

/** @param {Session} current */
async function loadJournal(current) {
  const journal = /** @type {ControlSchemas['Journal']} */ (await control('GET', `/requests?limit=${JOURNAL_KEPT}`, { signal: current.stop.signal }));
  if (current !== session) return;
  current.journal = journal.requests;
  current.latest = journal.latest;
  current.dropped = journal.dropped;
  renderJournal();
}

/**
 * Long polling: each answer brings the requests journaled since the last one (or none after WAIT_SECONDS).
 * @param {Session} current
 */
async function live(current) {
  let failures = 0;
  while (current === session && !current.stop.signal.aborted) {
    try {
      const journal = /** @type {ControlSchemas['Journal']} */ (await control('GET', `/requests?after=${current.latest}&wait=${WAIT_SECONDS}`, { signal: current.stop.signal }));
      if (current !== session) return;
      if (failures > 0) setStatus('live');
      failures = 0;
      if (journal.latest < current.latest) {
        // The tenant was reset elsewhere: start over.
        current.journal = [];
        current.open.clear();
        details.clear();
        current.latest = 0;
        await loadJournal(current);
        scheduleRefresh();
        continue;
      }
      current.latest = journal.latest;
      if (journal.requests.length > 0) {
        current.journal = [...current.journal, ...journal.requests].slice(-JOURNAL_KEPT);
        current.dropped = journal.dropped;
        renderJournal();
        scheduleRefresh();
      }
    } catch (error) {
      if (current.stop.signal.aborted || current !== session) return;
      if (error instanceof Refused && error.status === 401) {
        notifyError(error);
        return;
      }
      setStatus('offline');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]));
      failures += 1;
    }
  }
}

/** Bursts of requests (a capture flow) bring one refresh of the views that depend on them. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const current = session;
  refreshTimer = setTimeout(() => current && void refresh(current).catch(notifyError), REFRESH_DELAY_MS);
}

/** @param {Session} current */
async function refresh(current) {
  const faults = /** @type {HTMLInputElement} */ (byId('coverage-faults')).checked;
  const [transactions, coverage] = await Promise.all([
    current.stateless ? Promise.resolve(null) : control('GET', `/transactions?limit=${TRANSACTIONS_SHOWN}`, { signal: current.stop.signal }),
    control('GET', `/coverage?faults=${faults}`, { signal: current.stop.signal }),
  ]);
  if (current !== session) return;
  current.transactions = transactions;
  current.coverage = coverage;
  renderTransactions();
  renderCoverage();
}

// ---------------------------------------------------------------------------------------------
// Transactions

/** @param {string} operationId @param {string} name */
function scenarioSummary(operationId, name) {
  return catalog?.operations.find((operation) => operation.operationId === operationId)?.scenarios.find((scenario) => scenario.name === name)?.summary ?? '';
}

/** @param {ControlSchemas['Transaction']} transaction */
function verdictOf(transaction) {
  const failed = transaction.steps.find((step) => !step.succeeded);
  if (transaction.outcome.state === 'verified') return { kind: 'verified', text: t('verified') };
  if (transaction.outcome.state === 'validated') return { kind: 'validated', text: t('validated') };
  if (failed) {
    const summary = scenarioSummary(failed.operationId, failed.scenario);
    return { kind: 'refused', text: t('refused', { step: t(failed.step), scenario: summary ? `${failed.scenario}: ${summary}` : failed.scenario }) };
  }
  return { kind: 'incomplete', text: t('incomplete') };
}

function renderTransactions() {
  const container = byId('transactions');
  const list = session?.transactions;
  const ids = byId('transaction-ids');
  ids.replaceChildren(...(list?.transactions ?? []).map((transaction) => h('option', { value: transaction.id })));
  if (!session) return container.replaceChildren(h('p', { class: 'hint' }, t('idle')));
  if (session.stateless) return container.replaceChildren(h('p', { class: 'hint' }, t('stateless')));
  if (!list || list.total === 0) return container.replaceChildren(h('p', { class: 'hint' }, t('noTransactions')));
  /** @type {(Node | string)[]} */
  const cards = list.transactions.map(transactionCard);
  if (list.total > list.transactions.length) cards.push(h('p', { class: 'hint' }, t('moreTransactions', { shown: list.transactions.length, total: list.total })));
  replaceKeepingFocus(container, cards);
}

/** @param {ControlSchemas['Transaction']} transaction */
function transactionCard(transaction) {
  const verdict = verdictOf(transaction);
  const { user } = transaction;
  /** @type {(Node | string)[]} */
  const who = user
    ? [t('user', { id: user.id }), ...[user.phoneNumber, user.email].filter((value) => value !== null).flatMap((value) => [' · ', h('span', { dir: 'ltr' }, String(value))])]
    : [t('keyOnly')];
  const planned = Object.entries(transaction.plannedOutcomes);
  return h(
    'article',
    { class: 'transaction', 'data-transaction': transaction.id, 'aria-labelledby': `tx-${transaction.id}` },
    h(
      'header',
      {},
      h('h2', { id: `tx-${transaction.id}` }, code(transaction.id)),
      h('span', { class: `badge ${verdict.kind}`, 'data-verdict': verdict.kind }, isolated(verdict.text)),
    ),
    h('p', { class: 'who' }, ...who, ' · ', t('created', { time: time(transaction.createdAt) }), transaction.linked ? ` · ${t('linked')}` : ''),
    h('ol', { class: 'steps' }, ...transaction.steps.map((step) => stepItem(transaction, step))),
    planned.length > 0
      ? h('p', { class: 'hint' }, t('planned', { list: planned.map(([step, scenario]) => `${t(/** @type {StringKey} */ (step))}: ${scenario}`).join(', ') }))
      : null,
  );
}

/**
 * @param {ControlSchemas['Transaction']} transaction
 * @param {ControlSchemas['Transaction']['steps'][number]} step
 */
function stepItem(transaction, step) {
  const summary = scenarioSummary(step.operationId, step.scenario);
  return h(
    'li',
    { class: step.succeeded ? 'passed' : 'failed', 'data-step': step.step },
    h(
      'div',
      { class: 'step-head' },
      h('strong', {}, t(step.step)),
      ' ',
      h('span', { class: 'mark' }, step.succeeded ? `✓ ${t('passed')}` : `✗ ${t('failed')}`),
      ' ',
      code(step.scenario),
      ' ',
      h('span', { class: 'hint' }, time(step.at)),
    ),
    summary ? h('p', { class: 'hint' }, isolated(summary), ' · ', code(step.operationId)) : null,
    h('div', { class: 'thumbs' }, ...step.images.map((image) => thumbnail(transaction, step, image))),
  );
}

/**
 * A button showing an uploaded image; it opens the image full size. The bytes come from the control
 * API with the ApiKey header, once per image (by SHA-256).
 * @param {ControlSchemas['Transaction']} transaction
 * @param {ControlSchemas['Transaction']['steps'][number]} step
 * @param {ControlSchemas['Image']} image
 */
function thumbnail(transaction, step, image) {
  const label = t('openImage', { field: image.field, step: t(step.step) });
  if (image.evicted || image.sha256 === null) return h('span', { class: 'thumb missing' }, t('evicted'));
  const img = h('img', { alt: `${t(step.step)} ${image.field}`, 'data-field': image.field, 'data-sha256': image.sha256, decoding: 'async' });
  const button = h('button', { type: 'button', class: 'thumb', 'aria-label': label, title: label, 'data-focus': `${transaction.id}/${step.step}/${image.field}` }, img);
  const current = session;
  if (!current) return button;
  const path = `/transactions/${transaction.id}/steps/${step.step}/images/${image.field}`;
  let url = current.images.get(image.sha256);
  if (!url) {
    url = control('GET', path, { raw: true, signal: current.stop.signal })
      .then((/** @type {Response} */ response) => response.blob())
      .then((blob) => (blob.type.startsWith('image/') ? URL.createObjectURL(blob) : null))
      .catch(() => null);
    current.images.set(image.sha256, url);
  }
  void url.then((value) => {
    if (value) img.src = value;
    else button.replaceWith(h('span', { class: 'thumb missing' }, t('notPicture', { bytes: image.bytes })));
  });
  img.addEventListener('error', () => button.replaceWith(h('span', { class: 'thumb missing' }, t('notPicture', { bytes: image.bytes }))), { once: true });
  button.addEventListener('click', () => {
    const viewer = /** @type {HTMLDialogElement} */ (byId('viewer'));
    const full = /** @type {HTMLImageElement} */ (byId('viewer-image'));
    byId('viewer-title').textContent = `${t(step.step)} · ${image.field} · ${transaction.id}`;
    full.alt = `${t(step.step)} ${image.field}`;
    full.src = img.src;
    byId('viewer-size').textContent = t('imageSize', { width: img.naturalWidth, height: img.naturalHeight, bytes: image.bytes });
    viewer.showModal();
  });
  return button;
}

// ---------------------------------------------------------------------------------------------
// Journal

const BY = /** @type {const} */ ({ prefer: 'byPrefer', queue: 'byQueue', transaction: 'byPlan', magic: 'byMagic' });

function journalFilters() {
  return {
    operation: /** @type {HTMLSelectElement} */ (byId('filter-operation')).value,
    status: /** @type {HTMLSelectElement} */ (byId('filter-status')).value,
    transaction: /** @type {HTMLInputElement} */ (byId('filter-transaction')).value.trim().toLowerCase(),
  };
}

function renderJournalFilters() {
  const operationSelect = /** @type {HTMLSelectElement} */ (byId('filter-operation'));
  const statusSelect = /** @type {HTMLSelectElement} */ (byId('filter-status'));
  const { operation, status } = journalFilters();
  operationSelect.replaceChildren(
    h('option', { value: '' }, t('all')),
    ...(catalog?.operations ?? []).map((entry) => h('option', { value: entry.operationId }, entry.operationId)),
  );
  operationSelect.value = operation;
  const statuses = [...new Set((session?.journal ?? []).map((entry) => (entry.status === null ? 'none' : String(entry.status))))].sort();
  statusSelect.replaceChildren(h('option', { value: '' }, t('all')), ...statuses.map((value) => h('option', { value }, value === 'none' ? t('noStatus') : value)));
  statusSelect.value = statuses.includes(status) ? status : '';
}

function renderJournal() {
  renderJournalFilters();
  const body = byId('journal');
  const entries = session?.journal ?? [];
  const { operation, status, transaction } = journalFilters();
  const shown = entries.filter(
    (entry) =>
      (!operation || entry.operationId === operation) &&
      (!status || (status === 'none' ? entry.status === null : String(entry.status) === status)) &&
      (!transaction || (entry.transactionId ?? '').includes(transaction)),
  );
  byId('journal-count').textContent = t('journalCount', { shown: shown.length, total: entries.length + (session?.dropped ?? 0) });
  if (shown.length === 0) return replaceKeepingFocus(body, [h('tr', {}, h('td', { colspan: 7, class: 'hint' }, t('noRequests')))]);
  /** @type {HTMLTableRowElement[]} */
  const rows = [];
  for (const entry of [...shown].reverse()) {
    const open = session?.open.has(entry.seq) ?? false;
    const chosen = t(entry.forcedBy === null ? 'byFlow' : BY[entry.forcedBy]);
    rows.push(
      h(
        'tr',
        { 'data-seq': entry.seq, class: entry.status === null || entry.status >= 400 || entry.refusal ? 'refused' : '' },
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              'aria-expanded': open,
              'aria-controls': `request-${entry.seq}`,
              'aria-label': t('openRequest', { seq: entry.seq }),
              'data-focus': `seq-${entry.seq}`,
              on: { click: () => toggleEntry(entry.seq) },
            },
            String(entry.seq),
          ),
        ),
        h('td', {}, clock(entry.at)),
        h('td', {}, h('span', { class: 'method' }, entry.method), ' ', code(entry.path)),
        h('td', { class: 'status-code' }, entry.status === null ? t('noStatus') : String(entry.status)),
        h('td', { class: 'scenario' }, entry.scenario ? code(entry.scenario) : '', entry.fault ? h('span', { class: 'badge refused' }, `fault: ${entry.fault}`) : null),
        h('td', {}, chosen),
        h('td', { class: 'refusal' }, entry.refusal ? isolated(entry.refusal) : ''),
      ),
    );
    if (open) rows.push(h('tr', { class: 'detail', id: `request-${entry.seq}` }, h('td', { colspan: 7 }, h('div', { class: 'detail-body', 'data-detail': entry.seq }, '…'))));
  }
  replaceKeepingFocus(body, rows);
  for (const seq of session?.open ?? []) void fillDetail(seq);
}

/** @param {number} seq */
function toggleEntry(seq) {
  if (!session) return;
  if (session.open.has(seq)) session.open.delete(seq);
  else session.open.add(seq);
  renderJournal();
}

/** @type {Map<number, ControlSchemas['JournalEntryDetail'] | null>} */
const details = new Map();

/** @param {number} seq */
async function fillDetail(seq) {
  const current = session;
  if (!current) return;
  let detail = details.get(seq);
  if (detail === undefined) {
    try {
      detail = await control('GET', `/requests/${seq}`, { signal: current.stop.signal });
    } catch (error) {
      if (!(error instanceof Refused)) return;
      detail = null;
    }
    if (details.size > JOURNAL_KEPT) details.clear();
    details.set(seq, detail ?? null);
  }
  const target = document.querySelector(`[data-detail="${seq}"]`);
  if (!target || current !== session) return;
  if (!detail) return target.replaceChildren(h('p', { class: 'hint' }, t('gone')));
  const { entry, answer } = detail;
  target.replaceChildren(
    h(
      'section',
      {},
      h('h3', {}, t('request')),
      h(
        'pre',
        { dir: 'ltr' },
        JSON.stringify({ method: entry.method, path: entry.path, query: entry.query, headers: entry.headers, body: entry.body, images: entry.images }, null, 2),
      ),
    ),
    h('section', {}, h('h3', {}, t('answer')), answer ? h('pre', { dir: 'ltr' }, JSON.stringify(answer, null, 2)) : h('p', { class: 'hint' }, t('noAnswer'))),
  );
}

// ---------------------------------------------------------------------------------------------
// Catalog and steering

function renderCatalog() {
  const container = byId('catalog');
  if (!catalog) return container.replaceChildren();
  const operations = catalog.operations;
  replaceKeepingFocus(
    container,
    operations.map((operation) =>
      h(
        'details',
        { class: 'operation', 'data-operation': operation.operationId },
        h(
          'summary',
          {},
          code(operation.operationId),
          ' ',
          h('span', { class: 'method' }, operation.method),
          ' ',
          code(operation.path),
          operation.step ? h('span', { class: 'badge' }, t(operation.step)) : null,
        ),
        h('p', { class: 'hint' }, operation.rules),
        h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('status')), h('th', { scope: 'col' }, t('colScenario')), h('th', { scope: 'col' }), h('th', { scope: 'col' }))),
            h(
              'tbody',
              {},
              ...operation.scenarios.map((scenario) =>
                h(
                  'tr',
                  {},
                  h('td', {}, String(scenario.status)),
                  h('td', {}, code(scenario.name), scenario.default ? h('span', { class: 'badge' }, t('isDefault')) : null),
                  h('td', {}, scenario.summary),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        'aria-label': t('queueFor', { scenario: scenario.name, operation: operation.operationId }),
                        'data-focus': `queue-${operation.operationId}-${scenario.status}-${scenario.name}`,
                        on: { click: () => void queue(operation.operationId, scenario.name, scenario.status) },
                      },
                      t('queue'),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  renderSteeringForms();
}

/** @param {string} operationId @param {string} scenario @param {number} status */
async function queue(operationId, scenario, status) {
  try {
    await control('POST', '/outcomes', { body: { operationId, scenario, status } });
    notify(t('queued', { scenario, operation: operationId }));
  } catch (error) {
    notifyError(error);
  }
}

function renderSteeringForms() {
  if (!catalog) return;
  const step = /** @type {HTMLSelectElement} */ (byId('plan-step'));
  const chosen = step.value || 'liveness';
  step.replaceChildren(...PLAN_STEPS.map((name) => h('option', { value: name }, t(name))));
  step.value = chosen;
  renderPlanScenarios();
  const operation = /** @type {HTMLSelectElement} */ (byId('fault-operation'));
  const operationChosen = operation.value;
  operation.replaceChildren(h('option', { value: '' }, t('anyOperation')), ...catalog.operations.map((entry) => h('option', { value: entry.operationId }, entry.operationId)));
  operation.value = operationChosen;
  const fault = /** @type {HTMLSelectElement} */ (byId('fault-name'));
  const faultChosen = fault.value;
  fault.replaceChildren(...catalog.faults.map((entry) => h('option', { value: entry.fault, title: entry.description }, entry.fault)));
  if (faultChosen) fault.value = faultChosen;
}

function renderPlanScenarios() {
  const step = /** @type {HTMLSelectElement} */ (byId('plan-step')).value;
  const select = /** @type {HTMLSelectElement} */ (byId('plan-scenario'));
  const chosen = select.value;
  const names = [
    ...new Set(
      (catalog?.operations ?? [])
        .filter((operation) => operation.step === step)
        .flatMap((operation) => operation.scenarios.filter((scenario) => scenario.status < 300).map((scenario) => scenario.name)),
    ),
  ];
  select.replaceChildren(...names.map((name) => h('option', { value: name }, name)));
  if (names.includes(chosen)) select.value = chosen;
}

/** @param {SubmitEvent} event */
async function plan(event) {
  event.preventDefault();
  const id = /** @type {HTMLInputElement} */ (byId('plan-transaction')).value.trim().toLowerCase();
  const step = /** @type {HTMLSelectElement} */ (byId('plan-step')).value;
  const scenario = /** @type {HTMLSelectElement} */ (byId('plan-scenario')).value;
  // PUT replaces the transaction's planned outcomes: keep those of the other steps.
  const known = session?.transactions?.transactions.find((transaction) => transaction.id === id)?.plannedOutcomes ?? {};
  try {
    await control('PUT', `/transactions/${encodeURIComponent(id)}/outcomes`, { body: { ...known, [step]: scenario } });
    notify(t('plannedDone', { scenario, step: t(/** @type {StringKey} */ (step)), id }));
    if (session) await refresh(session);
  } catch (error) {
    notifyError(error);
  }
}

/** @param {SubmitEvent} event */
async function armFault(event) {
  event.preventDefault();
  const operationId = /** @type {HTMLSelectElement} */ (byId('fault-operation')).value;
  const fault = /** @type {HTMLSelectElement} */ (byId('fault-name')).value;
  const times = Number(/** @type {HTMLInputElement} */ (byId('fault-times')).value || 1);
  /** @type {Record<string, unknown>} */
  const body = { fault, times };
  if (operationId) body.operationId = operationId;
  if (fault === 'delay') body.delayMs = Number(/** @type {HTMLInputElement} */ (byId('fault-delay')).value || 0);
  try {
    await control('POST', '/faults', { body });
    notify(t('armed', { fault, times, operation: operationId || t('anyOperation') }));
  } catch (error) {
    notifyError(error);
  }
}

async function expireTokens() {
  try {
    const { expired } = await control('POST', '/tokens/expire');
    notify(t('expired', { count: expired }));
  } catch (error) {
    notifyError(error);
  }
}

async function resetTenant() {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm-reset'));
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'reset' || !session) return;
  try {
    await control('POST', '/reset');
    await connect(session.key);
    notify(t('resetDone'));
  } catch (error) {
    notifyError(error);
  }
}

/**
 * Offers text as a file to save (a link to a blob: URL, clicked once).
 * @param {string} text
 * @param {string} type
 * @param {string} name
 */
function download(text, type, name) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function exportState() {
  try {
    const response = /** @type {Response} */ (await control('GET', '/state', { raw: true }));
    download(await response.text(), 'application/json', 'vlens-sandbox-state.json');
  } catch (error) {
    notifyError(error);
  }
}

/** @param {Event} event */
async function importState(event) {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file || !session) return;
  try {
    const summary = await control('PUT', '/state', { body: JSON.parse(await file.text()) });
    await connect(session.key);
    notify(t('imported', { users: summary.users, transactions: summary.transactions }));
  } catch (error) {
    if (error instanceof SyntaxError) notify(t('refusedBy', { detail: error.message }), 'error');
    else notifyError(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Coverage

function renderCoverage() {
  const report = session?.coverage;
  const bar = /** @type {HTMLProgressElement} */ (byId('coverage-bar'));
  const total = byId('coverage-total');
  const body = byId('coverage');
  if (!report) {
    total.textContent = '';
    bar.value = 0;
    return body.replaceChildren();
  }
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 }).format(report.ratio);
  total.textContent = t('coverageTotal', { covered: report.covered, total: report.total, percent });
  bar.value = report.ratio;
  bar.setAttribute('aria-label', total.textContent);
  /**
   * @param {Node} name
   * @param {{ name: string, count: number }[]} outcomes
   * @param {string} [note]
   */
  const row = (name, outcomes, note) => {
    const answered = outcomes.filter((outcome) => outcome.count > 0);
    const never = outcomes.filter((outcome) => outcome.count === 0);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, name, note ? h('span', { class: 'hint' }, ` (${note})`) : null),
      h(
        'td',
        { class: 'covered' },
        h('span', {}, `${answered.length} / ${outcomes.length}`),
        h('progress', { max: outcomes.length || 1, value: answered.length, 'aria-label': `${answered.length} / ${outcomes.length}` }),
      ),
      h('td', {}, h('ul', { class: 'chips answered' }, ...answered.map((outcome) => h('li', {}, code(outcome.name), ` ×${outcome.count}`)))),
      h('td', {}, never.length === 0 ? h('span', { class: 'hint' }, t('allAnswered')) : h('ul', { class: 'chips' }, ...never.map((outcome) => h('li', {}, code(outcome.name))))),
    );
  };
  const rows = report.operations.map((operation) =>
    row(
      code(operation.operationId),
      operation.scenarios.map((scenario) => ({ name: `${scenario.status} ${scenario.name}`, count: scenario.count })),
    ),
  );
  rows.push(
    row(
      document.createTextNode(t('faults')),
      report.faults.map((fault) => ({ name: fault.fault, count: fault.count })),
      report.faultsCounted ? undefined : t('notCounted'),
    ),
  );
  replaceKeepingFocus(body, rows);
}

/** @param {'markdown' | 'junit'} format */
async function downloadCoverage(format) {
  const faults = /** @type {HTMLInputElement} */ (byId('coverage-faults')).checked;
  try {
    const response = /** @type {Response} */ (await control('GET', `/coverage?format=${format}&faults=${faults}`, { raw: true }));
    download(await response.text(), format === 'junit' ? 'application/xml' : 'text/markdown', format === 'junit' ? 'vlens-coverage.xml' : 'vlens-coverage.md');
  } catch (error) {
    notifyError(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Tabs, language, start

/** @param {HTMLElement} tab @param {boolean} [focus] */
function selectTab(tab, focus = false) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.setAttribute('tabindex', selected ? '0' : '-1');
    const panel = document.getElementById(other.getAttribute('aria-controls') ?? '');
    if (panel) panel.hidden = !selected;
  }
  if (focus) tab.focus();
}

/** @param {KeyboardEvent} event */
function tabKeys(event) {
  const tabs = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('[role="tab"]')]);
  const index = tabs.indexOf(/** @type {HTMLElement} */ (event.target));
  if (index < 0) return;
  const rtl = document.documentElement.dir === 'rtl';
  /** @type {Record<string, number>} */
  const moves = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, Home: -index, End: tabs.length - 1 - index };
  const move = moves[event.key];
  if (move === undefined) return;
  event.preventDefault();
  const next = tabs[(index + move + tabs.length) % tabs.length];
  if (next) selectTab(next, true);
}

/** @param {Language} chosen */
function setLanguage(chosen) {
  language = chosen;
  localStorage.setItem(LANGUAGE_STORAGE, chosen);
  document.documentElement.lang = chosen;
  document.documentElement.dir = chosen === 'ar' ? 'rtl' : 'ltr';
  document.title = `${t('title')} · ${chosen === 'ar' ? 'لوحة المتابعة' : 'dashboard'}`;
  for (const element of document.querySelectorAll('[data-text]')) element.textContent = t(/** @type {StringKey} */ (/** @type {HTMLElement} */ (element).dataset.text));
  /** @type {HTMLSelectElement} */ (byId('language')).value = chosen;
  setStatus(/** @type {'idle' | 'connecting' | 'live' | 'offline'} */ (byId('status').dataset.state ?? 'idle'));
  renderCatalog();
  renderTransactions();
  renderJournal();
  renderCoverage();
}

function start() {
  const stored = localStorage.getItem(LANGUAGE_STORAGE);
  setLanguage(stored === 'ar' || stored === 'en' ? stored : navigator.language.toLowerCase().startsWith('ar') ? 'ar' : 'en');
  byId('connect').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = /** @type {HTMLInputElement} */ (byId('apikey')).value.trim();
    if (key) void connect(key);
  });
  byId('forget').addEventListener('click', () => {
    disconnect();
    sessionStorage.removeItem(KEY_STORAGE);
    /** @type {HTMLInputElement} */ (byId('apikey')).value = '';
    setStatus('idle');
    renderTransactions();
    renderJournal();
    renderCoverage();
  });
  byId('language').addEventListener('change', (event) => setLanguage(/** @type {Language} */ (/** @type {HTMLSelectElement} */ (event.target).value)));
  byId('tabs').addEventListener('keydown', tabKeys);
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.addEventListener('click', () => selectTab(/** @type {HTMLElement} */ (tab)));
  for (const id of ['filter-operation', 'filter-status', 'filter-transaction']) byId(id).addEventListener('input', renderJournal);
  byId('journal-filters').addEventListener('submit', (event) => event.preventDefault());
  byId('plan-step').addEventListener('change', renderPlanScenarios);
  byId('plan').addEventListener('submit', (event) => void plan(/** @type {SubmitEvent} */ (event)));
  byId('fault').addEventListener('submit', (event) => void armFault(/** @type {SubmitEvent} */ (event)));
  byId('expire').addEventListener('click', () => void expireTokens());
  byId('reset').addEventListener('click', () => void resetTenant());
  byId('export').addEventListener('click', () => void exportState());
  byId('import').addEventListener('change', (event) => void importState(event));
  byId('coverage-faults').addEventListener('change', () => session && void refresh(session).catch(notifyError));
  byId('coverage-markdown').addEventListener('click', () => void downloadCoverage('markdown'));
  byId('coverage-junit').addEventListener('click', () => void downloadCoverage('junit'));
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) {
    /** @type {HTMLInputElement} */ (byId('apikey')).value = key;
    void connect(key);
  }
}

start();

export {};
