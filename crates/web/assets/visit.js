// The visit form on a phone with a poor connection (走访登记).
// - The form is kept in localStorage as it is typed (one draft per household), so a dropped
//   connection or a closed tab loses nothing.
// - On submit the entry (with its client_uuid, made once per entry) goes into a queue in
//   localStorage, then the queue is sent to /api/v1/activities with the X-CSRF-Token header. The
//   server stores a client_uuid once, so sending again after a lost answer cannot duplicate.
// - Photos are resized on the device (canvas, ≤ 1600 px, JPEG) before they are queued and uploaded.
// - The queue is retried on page load and on `online` events; "待发送 N 条" shows what is waiting.
// Without JavaScript the form posts as a normal multipart form.
(function () {
  'use strict';
  var QUEUE = 'bangfu.visits.queue';
  var MAX_SIDE = 1600;
  var sending = false;

  function csrf() {
    var i = document.querySelector('input[name="_csrf"]');
    return i ? i.value : '';
  }
  function load(key, dflt) {
    try { var v = localStorage.getItem(key); return v ? JSON.parse(v) : dflt; } catch (e) { return dflt; }
  }
  function store(key, v) {
    try { localStorage.setItem(key, JSON.stringify(v)); return true; } catch (e) { return false; }
  }
  function queue() { return load(QUEUE, []); }
  function uuid() {
    if (window.crypto && crypto.getRandomValues) {
      var b = new Uint8Array(16); crypto.getRandomValues(b);
      return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
    }
    return (Date.now().toString(16) + Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2)).slice(0, 32);
  }

  function status(extra) {
    var el = document.getElementById('visit-queue');
    if (!el) return;
    var q = queue();
    var waiting = q.filter(function (e) { return !e.error; }).length;
    var failed = q.filter(function (e) { return e.error; });
    var parts = [];
    if (waiting) parts.push('待发送 ' + waiting + ' 条' + (navigator.onLine ? '（正在发送…）' : '（当前离线，联网后自动发送）'));
    failed.forEach(function (e) { parts.push(e.data.occurred_on + ' 的走访未能保存：' + e.error); });
    if (extra) parts.push(extra);
    el.textContent = parts.join('；');
    el.hidden = parts.length === 0;
    el.className = failed.length ? 'error-box' : 'ok-box';
  }

  // ---- the draft: kept as the user types ----
  var form = document.querySelector('form[data-visit-form]');
  var draftKey = form ? 'bangfu.visits.draft.' + form.getAttribute('data-household') : null;

  function fields() {
    var d = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === 'file' || el.name === '_csrf' || el.disabled) return;
      if (el.type === 'checkbox') { if (el.checked) (d[el.name] = d[el.name] || []).push(el.value); return; }
      if (el.type === 'hidden' && el.name === 'helper') { (d.helper = d.helper || []).push(el.value); return; }
      d[el.name] = el.value;
    });
    return d;
  }
  function restore(d) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === 'file' || el.name === '_csrf' || el.disabled) return;
      if (el.type === 'checkbox') { el.checked = (d[el.name] || []).indexOf(el.value) >= 0; return; }
      if (el.type === 'hidden' && el.name === 'helper') return;
      if (Object.prototype.hasOwnProperty.call(d, el.name) && typeof d[el.name] === 'string') el.value = d[el.name];
    });
  }

  function yuanToFen(t) {
    t = (t || '').replace(/[,，元\s]/g, '');
    if (!t) return null;
    if (!/^\d*(\.\d{0,2})?$/.test(t)) return NaN;
    var p = t.split('.');
    return parseInt(p[0] || '0', 10) * 100 + parseInt(((p[1] || '') + '00').slice(0, 2), 10);
  }

  function toApi(d) {
    var ids = (d.helper || []).concat((d.other_helpers || '').split(/[,，、\s]+/)).filter(function (x) { return x; }).map(Number);
    var money = yuanToFen(d.money);
    var body = {
      kind: 'visit', household_id: Number(d.household_id), helper_ids: ids, occurred_on: d.occurred_on,
      start_time: d.start_time || null, end_time: d.end_time || null, checked: d.checked || [],
      problems: d.problems || null, help_given: d.help_given || null, goods: d.goods || null,
      client_uuid: d.client_uuid
    };
    if (money !== null) body.money = money;
    if (d.latitude && d.longitude) { body.latitude = Number(d.latitude); body.longitude = Number(d.longitude); }
    return { body: body, moneyBad: money !== null && isNaN(money) };
  }

  // ---- photos: resized on the device ----
  // read as a data: URL (the page's CSP allows data: images, not blob:), drawn smaller on a canvas
  function resize(file) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onerror = function () { resolve(null); };
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var w = img.naturalWidth, h = img.naturalHeight, s = Math.min(1, MAX_SIDE / Math.max(w, h));
          var c = document.createElement('canvas');
          c.width = Math.round(w * s); c.height = Math.round(h * s);
          c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
          resolve(c.toDataURL('image/jpeg', 0.82));
        };
        img.onerror = function () { resolve(null); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }
  function dataUrlBlob(u) {
    var parts = u.split(','), bin = atob(parts[1]), a = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);
    return new Blob([a], { type: 'image/jpeg' });
  }

  // ---- the queue ----
  function update(uuid, change) {
    var q = queue();
    for (var i = 0; i < q.length; i++) if (q[i].data.client_uuid === uuid) { change(q, i); break; }
    store(QUEUE, q);
  }

  function sendOne(entry) {
    var headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() };
    var idP = entry.id ? Promise.resolve(entry.id) : fetch('/api/v1/activities', { method: 'POST', headers: headers, body: JSON.stringify(entry.data), credentials: 'same-origin' })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.ok) return j.id;
          if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
            var e = new Error((j.error && j.error.message) || ('HTTP ' + r.status)); e.permanent = true; throw e;
          }
          throw new Error('HTTP ' + r.status);
        });
      });
    return idP.then(function (id) {
      entry.id = id;
      update(entry.data.client_uuid, function (q, i) { q[i].id = id; });
      var chain = Promise.resolve();
      (entry.photos || []).slice().forEach(function (p) {
        chain = chain.then(function () {
          var fd = new FormData(); fd.append('photo', dataUrlBlob(p), 'photo.jpg');
          return fetch('/api/v1/activities/' + id + '/photos', { method: 'POST', headers: { 'X-CSRF-Token': csrf() }, body: fd, credentials: 'same-origin' }).then(function (r) {
            if (!r.ok && r.status >= 500) throw new Error('HTTP ' + r.status);
            // sent (or refused for good: a photo the server will never take is dropped)
            update(entry.data.client_uuid, function (q, i) { q[i].photos.shift(); });
          });
        });
      });
      return chain.then(function () { return id; });
    });
  }

  function flush() {
    if (sending) return Promise.resolve(null);
    var q = queue().filter(function (e) { return !e.error; });
    if (!q.length) { status(); return Promise.resolve(null); }
    sending = true; status();
    var last = null;
    var chain = Promise.resolve();
    q.forEach(function (entry) {
      chain = chain.then(function () {
        return sendOne(entry).then(function (id) {
          last = { uuid: entry.data.client_uuid, id: id };
          update(entry.data.client_uuid, function (qq, i) { qq.splice(i, 1); });
        }, function (err) {
          if (err.permanent) update(entry.data.client_uuid, function (qq, i) { qq[i].error = err.message; });
          else throw err; // offline or server trouble: stop, retry later
        });
      });
    });
    return chain.then(function () { sending = false; status(); return last; }, function () { sending = false; status(); return null; });
  }
  window.bangfuVisitQueue = { flush: flush, queue: queue };

  window.addEventListener('online', function () { flush(); });
  window.addEventListener('offline', function () { status(); });

  // the status line can drop failed entries
  var st = document.getElementById('visit-queue');
  if (st) st.addEventListener('click', function () {
    if (queue().some(function (e) { return e.error; }) && window.confirm('放弃未能保存的记录？')) {
      store(QUEUE, queue().filter(function (e) { return !e.error; })); status();
    }
  });

  // a saved page clears the draft of that entry
  var saved = document.querySelector('[data-saved-uuid]');
  if (saved) {
    var u = saved.getAttribute('data-saved-uuid');
    for (var k in localStorage) {
      if (k.indexOf('bangfu.visits.draft.') === 0 && (load(k, {}).client_uuid === u)) localStorage.removeItem(k);
    }
  }

  if (form) {
    var d = load(draftKey, null);
    if (d && d.client_uuid) restore(d);
    form.addEventListener('input', function () { store(draftKey, fields()); });
    form.addEventListener('change', function () { store(draftKey, fields()); });

    var locate = form.querySelector('[data-locate]');
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener('click', function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.latitude.value = pos.coords.latitude.toFixed(6);
          form.elements.longitude.value = pos.coords.longitude.toFixed(6);
          form.querySelector('[data-location]').textContent = form.elements.latitude.value + ', ' + form.elements.longitude.value;
          store(draftKey, fields());
        }, function () { form.querySelector('[data-location]').textContent = '无法获取位置'; }, { timeout: 15000 });
      });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var d = fields();
      var api = toApi(d);
      if (api.moneyBad) { status('帮扶金额“' + d.money + '”不是有效的金额'); return; }
      var button = document.getElementById('visit-submit');
      if (button) button.disabled = true;
      var files = Array.prototype.slice.call((form.querySelector('input[type=file]') || {}).files || []);
      Promise.all(files.map(resize)).then(function (photos) {
        var entry = { data: api.body, photos: photos.filter(function (p) { return p; }), household: d.household_id };
        var unreadable = photos.length - entry.photos.length;
        if (unreadable) status(unreadable + ' 张照片无法读取（不是图片？），未上传');
        var q = queue().filter(function (e) { return e.data.client_uuid !== entry.data.client_uuid; });
        q.push(entry);
        if (!store(QUEUE, q)) {
          // too big for the phone's storage: keep the entry without photos
          entry.photos = []; q[q.length - 1] = entry; store(QUEUE, q);
          status('照片过多，本机无法暂存，记录已保存但未带照片');
        }
        localStorage.removeItem(draftKey);
        return flush().then(function (last) {
          if (last && last.uuid === entry.data.client_uuid) {
            window.location.href = '/activities/' + last.id + '?saved=1';
            return;
          }
          // queued: a fresh form for the next entry
          if (button) button.disabled = false;
          var failed = queue().filter(function (e) { return e.error && e.data.client_uuid === entry.data.client_uuid; })[0];
          if (failed) {
            // refused for good (e.g. a future date): back into the form to fix it
            store(QUEUE, queue().filter(function (e) { return e.data.client_uuid !== entry.data.client_uuid; }));
            status(failed.error);
            store(draftKey, d);
            return;
          }
          form.reset();
          form.elements.client_uuid.value = uuid();
          status('已保存在本机，联网后自动发送');
        });
      });
    });
  }

  flush();
})();
