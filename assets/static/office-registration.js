/* The office console's registration part (报名审核): which sittings are open for registration in
   which cities, the applications, one application's form, documents (each opening audited on the
   server), the fee recorded and the review. Plain JavaScript over /api/office/…; loaded beside
   office.js, sharing only window.Kaowu. */
const { api, errorText, el, message, toast } = window.Kaowu;
const $ = (id) => document.getElementById(id);

const EDUCATION = { below_college: '大专以下', college: '大专', bachelor: '本科', master: '硕士', doctorate: '博士' };
const ELIGIBILITY = { eligible: '符合', deferred: '可考试，认证暂缓', not_eligible: '不符合', unknown: '尚不能判断' };
let shown = null;
/** The exam-day passwords the last seating issued: shown once, printed as slips. */
let issued = null;

async function loadRooms() {
  const id = $('reg-event').value;
  if (!id) return;
  const res = await api('GET', '/api/office/events/' + id + '/room-places');
  const list = res.status === 200 ? res.body : [];
  $('reg-rooms').replaceChildren(...list.map((p) =>
    el('li', { text: p.room + '（' + p.city + '）：' + p.seats + ' 个座位，已安排 ' + p.taken + ' 人' })));
}

async function setRoom(ev) {
  ev.preventDefault();
  message($('reg-error'), '');
  const res = await api('POST', '/api/office/events/' + $('reg-event').value + '/room-places', {
    room: $('reg-room').value, city: $('reg-room-city').value, seats: Number($('reg-room-seats').value),
  });
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  toast('已设置考场', true);
  loadRooms();
}

async function seat() {
  message($('reg-error'), '');
  const id = $('reg-event').value;
  const res = await api('POST', '/api/office/events/' + id + '/seat-applicants');
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  const r = res.body;
  issued = { event: id, passwords: r.passwords };
  message($('reg-seated'), '已安排 ' + r.seated.length + ' 人' + (r.seated.length ? '，考试密码只显示这一次，请立即打印密码条' : '')
    + (r.unseated.length ? '；' + r.unseated.length + ' 人未能安排（见下）' : '') + '。');
  $('reg-unseated').replaceChildren(...r.unseated.map((u) => el('li', { text: u.name + '（' + u.city + '）：' + u.reason_zh })));
  $('reg-slips').hidden = !r.passwords.length;
  $('reg-passwords').hidden = !r.passwords.length;
  $('reg-password-rows').replaceChildren(...r.passwords.map((p) => el('tr', {},
    el('td', { class: 'mono', text: p.ticket }), el('td', { text: p.name }), el('td', { text: p.room }),
    el('td', { text: p.seat }), el('td', { class: 'mono', text: p.password }))));
  loadRooms();
  loadApplications();
}

async function printSlips() {
  if (!issued) return;
  const res = await fetch('/api/office/events/' + issued.event + '/password-slips.pdf', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/pdf' },
    body: JSON.stringify({ passwords: issued.passwords.map((p) => ({ ticket: p.ticket, password: p.password })) }),
  }).catch(() => null);
  if (!res || res.status !== 200) {
    message($('reg-error'), '密码条生成失败，请重试');
    return;
  }
  const a = el('a', { href: URL.createObjectURL(await res.blob()), download: '密码条.pdf' });
  document.body.append(a);
  a.click();
  a.remove();
}

async function loadEvents() {
  const [events, open] = await Promise.all([api('GET', '/api/office/overview'), api('GET', '/api/office/registration/sittings')]);
  const select = $('reg-event');
  select.replaceChildren();
  for (const e of events.status === 200 ? events.body : []) {
    select.append(el('option', { value: String(e.id), text: e.name + '（' + e.starts + '）' }));
  }
  loadRooms();
  const openNow = open.status === 200 ? open.body : [];
  $('reg-open-now').textContent = openNow.length
    ? '正在报名：' + openNow.map((s) => s.name + '（' + s.exam_date_zh + '，' + s.cities.join('、') + '）').join('；')
    : '目前没有正在报名的场次。';
}

async function setCities(cities) {
  message($('reg-error'), '');
  const id = $('reg-event').value;
  const res = await api('POST', '/api/office/events/' + id + '/registration', { cities });
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  toast(res.body.cities.length ? '已开放报名：' + res.body.cities.join('、') : '已关闭报名', true);
  loadEvents();
}

async function loadApplications() {
  const state = $('reg-state').value;
  const res = await api('GET', '/api/office/applications' + (state ? '?state=' + state : ''));
  const rows = $('reg-rows');
  rows.replaceChildren();
  const list = res.status === 200 ? res.body : [];
  for (const a of list) {
    rows.append(el('tr', { class: 'clickable', onclick: () => show(a.id) },
      el('td', { class: 'num', text: String(a.id) }),
      el('td', {}, el('button', { type: 'button', class: 'link-btn', text: a.name || '（未填写）' })),
      el('td', { class: 'mono', text: a.id_number }),
      el('td', { class: 'mono', text: a.login }),
      el('td', { text: a.city }),
      el('td', { text: a.state_zh }),
      el('td', { text: ELIGIBILITY[a.eligibility] || a.eligibility }),
      el('td', { text: a.fee_settled ? '已确认' : '未确认' }),
      el('td', { text: a.successful ? '是' : '否' })));
  }
  $('reg-count').textContent = '共 ' + list.length + ' 份';
}

function kv(label, value) {
  return [el('dt', { text: label }), el('dd', { text: value || '—' })];
}

function render(a) {
  shown = a;
  const f = a.form;
  $('rd-title').textContent = '报名申请 ' + a.id + '：' + (f.name || '（未填写姓名）');
  $('rd-state').textContent = a.state_zh;
  $('rd-form').replaceChildren(
    ...kv('账号', a.login), ...kv('姓名', f.name), ...kv('姓名拼音', f.name_pinyin), ...kv('身份证号', f.id_number),
    ...kv('学历', EDUCATION[f.education]), ...kv('考试', a.sitting ? a.sitting.name + '（' + a.sitting.exam_date_zh + '）' : ''),
    ...kv('考试城市', f.city), ...kv('会员号', f.caq_member ? f.caq_member_no : '非会员'), ...kv('发票抬头', f.invoice_title),
    ...kv('行为准则', f.code_of_conduct_accepted ? '已承诺遵守' : '未确认'));
  $('rd-periods').replaceChildren(...f.work_history.map((p) => el('tr', {},
    el('td', { text: p.employer }), el('td', { text: p.post }), el('td', { text: p.from + ' 至 ' + (p.to || '今') }),
    el('td', { text: p.quality_related ? '是' : '否' }), el('td', { text: p.management ? '是' : '否' }))));
  $('rd-eligibility').textContent = '申请资格：' + a.eligibility.message_zh;
  $('rd-conditions').replaceChildren(...a.registration.conditions.map((c) =>
    el('li', { class: c.met ? 'sum-ok' : 'sum-warn' }, el('strong', { text: c.label_zh }),
      c.details_zh.length ? el('ul', {}, c.details_zh.map((d) => el('li', { text: d }))) : null)));
  const docs = $('rd-docs');
  docs.replaceChildren();
  const photo = a.documents.find((d) => d.kind === 'photo');
  $('rd-photo').hidden = !photo;
  if (photo) $('rd-photo').src = '/api/office/applications/' + a.id + '/documents/' + photo.id;
  for (const d of a.documents) {
    docs.append(el('li', {}, el('a', { href: '/api/office/applications/' + a.id + '/documents/' + d.id, target: '_blank', rel: 'noopener', text: d.kind_zh }),
      ' ' + Math.max(1, Math.round(d.size_bytes / 1024)) + ' KB'));
  }
  if (!a.documents.length) docs.append(el('li', { class: 'muted', text: '尚未上传材料' }));
  const r = a.fee.record;
  $('rd-fee').textContent = a.fee.label_zh + '，应缴 ' + a.fee.due_zh + '。' + a.fee.status_zh
    + (r ? (r.kind === 'waiver' ? '（免缴：' + r.reason + '）' : '（' + r.payer + '，' + r.amount_zh + '，' + r.paid_on + '，流水号 ' + r.reference + '）') : '');
  $('rd-amount').value = (a.fee.due_fen / 100).toString();
  $('rd-archive').href = '/api/office/applications/' + a.id + '/archive.zip';
  const reviewable = a.state === 'submitted';
  $('rd-approve').disabled = !reviewable;
  $('rd-return').disabled = !reviewable;
  $('reg-detail').hidden = false;
}

async function show(id) {
  message($('rd-error'), '');
  const res = await api('GET', '/api/office/applications/' + id);
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  render(res.body);
  $('reg-detail').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function act(path, body, done) {
  message($('rd-error'), '');
  const res = await api('POST', '/api/office/applications/' + shown.id + path, body);
  if (res.status !== 200) {
    message($('rd-error'), errorText(res));
    return;
  }
  render(res.body);
  toast(done, true);
  loadApplications();
}

$('reg-open-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const cities = $('reg-cities').value.split(/[、,，;；\s]+/).filter(Boolean);
  setCities(cities);
});
$('reg-close').addEventListener('click', () => setCities([]));
$('reg-event').addEventListener('change', loadRooms);
$('reg-room-form').addEventListener('submit', setRoom);
$('reg-move-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  message($('reg-error'), '');
  const ticket = $('reg-move-ticket').value.trim();
  const res = await api('POST', '/api/office/events/' + $('reg-event').value + '/candidates/' + encodeURIComponent(ticket) + '/seat', {
    room: $('reg-move-room').value, seat: $('reg-move-seat').value,
  });
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  toast('已调整 ' + ticket + ' 的座位', true);
  loadRooms();
});
$('reg-reset-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  message($('reg-error'), '');
  const login = $('reg-reset-login').value.trim();
  const res = await api('POST', '/api/office/applicants/' + encodeURIComponent(login) + '/reset-password');
  if (res.status !== 200) {
    message($('reg-error'), errorText(res));
    return;
  }
  $('reg-reset-done').textContent = res.body.login + ' 的新密码：' + res.body.password + '（只显示这一次）';
});
$('reg-seat').addEventListener('click', seat);
$('reg-slips').addEventListener('click', printSlips);
$('reg-state').addEventListener('change', loadApplications);
$('rd-close').addEventListener('click', () => { $('reg-detail').hidden = true; });
$('rd-fee-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act('/fee', {
    kind: $('rd-fee-kind').value, payer: $('rd-payer').value, amount: $('rd-amount').value,
    paid_on: $('rd-paid-on').value, reference: $('rd-reference').value, reason: $('rd-reason').value,
  }, '已记录缴费');
});
$('rd-file').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  if (!file || !shown) return;
  message($('rd-error'), '');
  const res = await fetch('/api/office/applications/' + shown.id + '/paper-documents/' + $('rd-file-kind').value, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' }, body: file,
  }).catch(() => null);
  const body = res ? await res.json().catch(() => null) : null;
  if (!res || res.status !== 200) {
    message($('rd-error'), (body && body.error) || '归档失败，请重试');
    return;
  }
  render(body);
  toast('已归档', true);
});
$('rd-approve').addEventListener('click', () => act('/review', { decision: 'approve' }, '已审核通过'));
$('rd-return').addEventListener('click', () => act('/review', {
  decision: 'return', reason: $('rd-return-reason').value, photo_refused: $('rd-photo-refused').checked,
}, '已退回，申请人可以看到原因'));

// ---- certification and certificates ----
let request = null;

async function loadRequests() {
  const state = $('cr-state').value;
  const res = await api('GET', '/api/office/certifications' + (state ? '?state=' + state : ''));
  const list = res.status === 200 ? res.body : [];
  $('cr-rows').replaceChildren(...list.map((r) => el('tr', { class: 'clickable', onclick: () => showRequest(r.id) },
    el('td', { class: 'num', text: String(r.id) }),
    el('td', {}, el('button', { type: 'button', class: 'link-btn', text: r.name })),
    el('td', { class: 'mono', text: r.id_number }), el('td', { text: r.state_zh }),
    el('td', { text: r.postmarked_on || '未记录' }), el('td', { class: 'num', text: String(r.report_chars) }),
    el('td', { class: 'mono', text: r.certificate_number || '' }))));
  $('cr-count').textContent = '共 ' + list.length + ' 份';
}

function renderRequest(r) {
  request = r;
  $('cd-title').textContent = '认证申请 ' + r.id + '：' + r.name + '（' + r.id_number + '）';
  $('cd-state').textContent = r.state_zh;
  $('cd-eligibility').textContent = '按今天判断：' + r.eligibility_today_zh;
  $('cd-timing').textContent = r.postmarked_on ? '邮寄日期 ' + r.postmarked_on + '：' + r.timing_zh : '尚未记录纸质材料的邮寄日期';
  $('cd-chars').textContent = String(r.report_chars);
  $('cd-report').textContent = r.report;
  $('cd-other').textContent = r.other_certificates ? '其它资格证书：' + r.other_certificates : '';
  const pending = r.state === 'submitted';
  for (const id of ['cd-postmark', 'cd-approve', 'cd-defer', 'cd-refuse']) $(id).disabled = !pending;
  const c = r.certificate;
  $('cd-certificate').hidden = !c;
  if (c) {
    $('cd-number').textContent = c.number;
    $('cd-cert-status').textContent = c.status_zh + (c.status_reason ? '（' + c.status_reason + '）' : '');
    $('cd-pdf').href = '/api/office/certificates/' + encodeURIComponent(c.number) + '/certificate.pdf';
    $('cd-verify').href = c.verify_path;
  }
  $('cr-detail').hidden = false;
}

async function showRequest(id) {
  message($('cd-error'), '');
  const res = await api('GET', '/api/office/certifications/' + id);
  if (res.status !== 200) {
    message($('cd-error'), errorText(res));
    return;
  }
  renderRequest(res.body);
}

async function actOnRequest(path, body, done) {
  message($('cd-error'), '');
  const res = await api('POST', '/api/office/certifications/' + request.id + path, body);
  if (res.status !== 200) {
    message($('cd-error'), errorText(res));
    return;
  }
  renderRequest(res.body);
  toast(done, true);
  loadRequests();
}

$('cr-state').addEventListener('change', loadRequests);
$('cd-close').addEventListener('click', () => { $('cr-detail').hidden = true; });
$('cd-postmark-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  actOnRequest('/postmark', { postmarked_on: $('cd-postmarked-on').value }, '已记录邮寄日期');
});
for (const [id, decision, done] of [['cd-approve', 'approve', '已批准，证书已颁发'], ['cd-defer', 'defer', '已暂缓发证'], ['cd-refuse', 'refuse', '已记录不予认证']]) {
  $(id).addEventListener('click', () => actOnRequest('/decision', { decision, reason: $('cd-reason').value }, done));
}
$('cd-status-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  message($('cd-error'), '');
  const number = request.certificate.number;
  const res = await api('POST', '/api/office/certificates/' + encodeURIComponent(number) + '/status', {
    status: $('cd-status').value, reason: $('cd-status-reason').value,
  });
  if (res.status !== 200) {
    message($('cd-error'), errorText(res));
    return;
  }
  toast('证书状态已改为：' + res.body.status_zh, true);
  showRequest(request.id);
});

loadEvents();
loadApplications();
loadRequests();
