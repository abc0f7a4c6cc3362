/* The applicant's page (网上报名): register or log in, then the application — where the
   registration stands (the three conditions, eligibility, the fee), the form, the documents.
   Everything comes from /api/apply/…; the page decides nothing the server has not said. */
(function () {
  'use strict';
  const { api, errorText, el, message, toast } = window.Kaowu;
  const $ = (id) => document.getElementById(id);

  let sittings = [];
  let view = null;

  function show(which) {
    $('account').hidden = which !== 'account';
    $('application').hidden = which !== 'application';
    $('who').hidden = which !== 'application';
  }

  async function start() {
    const res = await api('GET', '/api/apply/application');
    if (res.status === 200) {
      const s = await api('GET', '/api/apply/sittings');
      sittings = s.status === 200 ? s.body : [];
      render(res.body);
      show('application');
    } else {
      show('account');
      if (res.status === 403) message($('login-error'), '当前登录的不是报名账号，请用报名账号登录或注册');
    }
  }

  async function enter(path, login, password, box) {
    message(box, '');
    const res = await api('POST', path, { login, password });
    if (res.status !== 200) {
      message(box, errorText(res));
      return;
    }
    $('who-login').textContent = res.body.name;
    await start();
  }

  $('register-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const pw = $('register-password').value;
    if (pw !== $('register-again').value) {
      message($('register-error'), '两次输入的密码不一致');
      return;
    }
    enter('/api/apply/register', $('register-login').value, pw, $('register-error'));
  });
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    enter('/api/apply/login', $('login-login').value, $('login-password').value, $('login-error'));
  });

  // -- the application --

  function periodRow(p) {
    const input = (cls, value, type) => el('input', { class: cls, type: type || 'text', value: value || '', maxlength: 100, 'aria-label': cls });
    const box = (cls, checked) => el('input', { class: cls, type: 'checkbox', checked: !!checked, 'aria-label': cls });
    return el('tr', {},
      el('td', {}, input('p-employer', p.employer)),
      el('td', {}, input('p-post', p.post)),
      el('td', {}, input('p-from', p.from, 'date')),
      el('td', {}, input('p-to', p.to, 'date')),
      el('td', {}, box('p-quality', p.quality_related)),
      el('td', {}, box('p-management', p.management)),
      el('td', {}, el('button', { type: 'button', class: 'btn btn-ghost btn-small', text: '删除', onclick: (ev) => ev.target.closest('tr').remove() })));
  }

  function fillCities(eventId, city) {
    const select = $('f-city');
    select.replaceChildren();
    const sitting = sittings.find((s) => String(s.event_id) === String(eventId));
    if (!sitting) {
      select.append(el('option', { value: '', text: '请先选择场次' }));
      return;
    }
    select.append(el('option', { value: '', text: '请选择' }));
    for (const c of sitting.cities) select.append(el('option', { value: c, text: c, selected: c === city }));
  }

  function render(v) {
    view = v;
    const f = v.form;
    $('who-login').textContent = v.login;
    $('state-badge').textContent = v.state_zh;
    message($('return-reason'), v.state === 'returned' ? '考务办公室退回：' + v.return_reason : '');
    $('registration-message').textContent = v.registration.message_zh;
    $('conditions').replaceChildren(...v.registration.conditions.map((c) =>
      el('li', { class: c.met ? 'sum-ok' : 'sum-warn' },
        el('strong', { text: c.label_zh }),
        c.details_zh.length ? el('ul', {}, c.details_zh.map((d) => el('li', { text: d }))) : null)));
    $('eligibility').textContent = v.eligibility.message_zh;
    const t = v.ticket;
    $('ticket-card').hidden = !t;
    if (t) {
      $('ticket-line').textContent = '准考证号 ' + t.ticket + '，' + t.city + ' ' + t.room + ' ' + t.seat + ' 号座位'
        + (v.sitting ? '；考试日期 ' + v.sitting.exam_date_zh : '') + '。';
      $('ticket-pdf').hidden = !t.downloadable;
      $('ticket-when').textContent = t.downloadable
        ? '请打印准考证，考试当天凭准考证和有效身份证件入场；考试密码在考场座位上发放。'
        : '准考证将于 ' + t.available_from_zh + ' 起可在此下载。';
    }
    renderCertification(v);
    const r = v.result;
    $('result-card').hidden = !r;
    if (r) {
      $('result-total').textContent = '总分 ' + r.total + '（合格线 ' + r.pass_mark + '）';
      $('result-verdict').textContent = r.verdict_zh;
      $('again-btn').hidden = !v.may_register_again;
      $('result-valid').textContent = r.valid_until_zh
        ? '考试合格，成绩有效期至 ' + r.valid_until_zh + '；请在成绩发布后 30 日内申请认证。'
        : '';
    }
    $('fee-label').textContent = v.fee.label_zh;
    $('fee-due').textContent = v.fee.due_zh;
    $('fee-status').textContent = v.fee.status_zh;

    $('f-name').value = f.name;
    $('f-pinyin').value = f.name_pinyin;
    $('f-id').value = f.id_number;
    $('f-education').value = f.education;
    $('periods').replaceChildren(...(f.work_history.length ? f.work_history : [{}]).map(periodRow));
    const sitting = $('f-sitting');
    sitting.replaceChildren(el('option', { value: '', text: '请选择' }));
    for (const s of sittings) {
      sitting.append(el('option', { value: String(s.event_id), text: s.name + '（' + s.exam_date_zh + '）', selected: f.event_id === s.event_id }));
    }
    if (f.event_id && !sittings.some((s) => s.event_id === f.event_id) && v.sitting) {
      sitting.append(el('option', { value: String(f.event_id), text: v.sitting.name + '（' + v.sitting.exam_date_zh + '）', selected: true }));
    }
    fillCities(f.event_id, f.city);
    if (f.city && ![...$('f-city').options].some((o) => o.value === f.city)) {
      $('f-city').append(el('option', { value: f.city, text: f.city, selected: true }));
    }
    $('f-member').checked = f.caq_member;
    $('f-member-no').value = f.caq_member_no;
    $('f-invoice').value = f.invoice_title;
    $('f-conduct').checked = f.code_of_conduct_accepted;
    pinyinHint();

    for (const kind of ['photo', 'diploma']) {
      const doc = v.documents.find((d) => d.kind === kind);
      $(kind + '-state').textContent = doc
        ? '已上传（' + Math.max(1, Math.round(doc.size_bytes / 1024)) + ' KB）'
        : '尚未上传';
    }
    const photo = v.documents.find((d) => d.kind === 'photo');
    $('photo-preview').hidden = !photo;
    if (photo) $('photo-preview').src = '/api/apply/documents/photo?v=' + photo.id;

    for (const node of $('form').querySelectorAll('input, select, button')) node.disabled = !v.editable;
    for (const id of ['photo-file', 'diploma-file']) $(id).disabled = !v.editable;
    for (const label of document.querySelectorAll('.file-pick')) label.hidden = !v.editable;
  }

  /** Counts as the server does: every character but whitespace and invisible marks. */
  function counted(text) {
    return [...text].filter((c) => !/\s/.test(c) && !/[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/.test(c)).length;
  }

  function renderCertification(v) {
    const w = v.certification_window;
    const c = v.certification;
    $('cert-card').hidden = !w;
    if (!w) return;
    $('cert-window').textContent = '认证申请（纸质材料邮寄）截止 ' + w.apply_by_zh + '；合格成绩有效期至 ' + w.valid_until_zh + '。' + w.note_zh;
    $('cert-form').hidden = !w.may_apply;
    $('cert-state').hidden = !c;
    if (c) {
      $('cert-state').textContent = '认证申请：' + c.state_zh + (c.timing_zh ? '；' + c.timing_zh : '')
        + (c.decision_reason ? '；理由：' + c.decision_reason : '');
    }
    const cert = c && c.certificate;
    $('cert-certificate').hidden = !cert;
    if (cert) {
      $('cert-number').textContent = cert.number;
      $('cert-status').textContent = cert.status_zh;
      $('cert-verify').href = cert.verify_path;
      $('dir-listed').checked = cert.listed;
      $('dir-employment').value = cert.employment;
      $('dir-employer').value = cert.employer;
      $('dir-contact').value = cert.contact;
    }
  }
  $('cert-report').addEventListener('input', () => { $('cert-count').textContent = String(counted($('cert-report').value)); });
  $('cert-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message($('cert-error'), '');
    const res = await api('POST', '/api/apply/certification', { report: $('cert-report').value, other_certificates: $('cert-other').value });
    if (res.status !== 200) {
      message($('cert-error'), errorText(res));
      return;
    }
    render(res.body);
    toast('已提交认证申请，请按时寄出纸质材料', true);
  });
  $('dir-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message($('cert-error'), '');
    const res = await api('POST', '/api/apply/directory', {
      listed: $('dir-listed').checked, employment: $('dir-employment').value, employer: $('dir-employer').value, contact: $('dir-contact').value,
    });
    if (res.status !== 200) {
      message($('cert-error'), errorText(res));
      return;
    }
    render(res.body);
    toast('已保存名录信息', true);
  });

  function pinyinHint() {
    const suggestion = view && view.pinyin_suggestion;
    const wanted = suggestion && suggestion !== $('f-pinyin').value;
    $('pinyin-hint').hidden = !wanted;
    if (wanted) $('pinyin-use').textContent = suggestion + '（点击使用）';
  }
  $('pinyin-use').addEventListener('click', () => {
    $('f-pinyin').value = view.pinyin_suggestion;
    pinyinHint();
  });
  $('again-btn').addEventListener('click', async () => {
    const res = await api('POST', '/api/apply/again');
    if (res.status !== 200) {
      message($('apply-error'), errorText(res));
      return;
    }
    render(res.body);
    toast('已新建补考报名：请选择场次和城市，确认行为准则后提交', true);
  });
  $('f-sitting').addEventListener('change', () => fillCities($('f-sitting').value, ''));
  $('add-period').addEventListener('click', () => $('periods').append(periodRow({ quality_related: true })));

  function formValue() {
    const rows = [...$('periods').querySelectorAll('tr')].map((tr) => ({
      employer: tr.querySelector('.p-employer').value,
      post: tr.querySelector('.p-post').value,
      from: tr.querySelector('.p-from').value,
      to: tr.querySelector('.p-to').value,
      quality_related: tr.querySelector('.p-quality').checked,
      management: tr.querySelector('.p-management').checked,
    })).filter((p) => p.employer || p.post || p.from || p.to);
    const eventId = $('f-sitting').value;
    return {
      name: $('f-name').value,
      name_pinyin: $('f-pinyin').value,
      id_number: $('f-id').value,
      education: $('f-education').value,
      work_history: rows,
      caq_member: $('f-member').checked,
      caq_member_no: $('f-member-no').value,
      event_id: eventId ? Number(eventId) : null,
      city: $('f-city').value,
      invoice_title: $('f-invoice').value,
      code_of_conduct_accepted: $('f-conduct').checked,
    };
  }

  async function save() {
    message($('form-error'), '');
    const res = await api('POST', '/api/apply/application', formValue());
    if (res.status !== 200) {
      message($('form-error'), errorText(res));
      return false;
    }
    render(res.body);
    return true;
  }

  $('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await save()) toast('已保存', true);
  });
  $('submit-btn').addEventListener('click', async () => {
    if (!(await save())) return;
    const res = await api('POST', '/api/apply/submit');
    if (res.status !== 200) {
      message($('form-error'), errorText(res));
      return;
    }
    render(res.body);
    toast('已提交，请等待考务办公室审核', true);
  });

  async function upload(kind, file) {
    message($('docs-error'), '');
    let response;
    try {
      response = await fetch('/api/apply/documents/' + kind, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
        body: file,
      });
    } catch (e) {
      message($('docs-error'), '上传失败：网络中断，请重试');
      return;
    }
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status !== 200) {
      message($('docs-error'), (body && body.error) || '上传失败，请重试');
      return;
    }
    render(body);
    toast('已上传', true);
  }
  for (const kind of ['photo', 'diploma']) {
    $(kind + '-file').addEventListener('change', (ev) => {
      const file = ev.target.files[0];
      if (file) upload(kind, file);
      ev.target.value = '';
    });
  }

  start().catch(() => message($('apply-error'), '无法连接服务器，请稍后刷新重试'));
})();
