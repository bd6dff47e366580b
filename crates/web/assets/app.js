// bangfu — a little progressive enhancement; every page works without it.
(function () {
  // the role switcher submits on change
  var sel = document.querySelectorAll('select[data-autosubmit]');
  for (var i = 0; i < sel.length; i++) {
    sel[i].addEventListener('change', function () { this.form.submit(); });
  }
  // job progress (imports, data-quality runs): poll the job's status and update the page
  var job = document.getElementById('job');
  if (job) {
    var url = job.getAttribute('data-status-url');
    var countField = job.getAttribute('data-count-field') || 'rows_read';
    var tick = function () {
      var x = new XMLHttpRequest();
      x.open('GET', url);
      x.setRequestHeader('Accept', 'application/json');
      x.onload = function () {
        if (x.status !== 200) { return; }
        var s = JSON.parse(x.responseText);
        document.getElementById('job-rows').textContent = s[countField];
        document.getElementById('job-message').textContent = s.message;
        if (s.state === 'done' || s.state === 'failed') { window.location.reload(); }
        else { setTimeout(tick, 700); }
      };
      x.send();
    };
    if (job.getAttribute('data-state') === 'running' || job.getAttribute('data-state') === 'queued') { setTimeout(tick, 500); }
  }
  // the comparison upload: thresholds only for medical lists, 全量 only for lists that can be complete
  var kind = document.getElementById('kind');
  if (kind && kind.form && kind.form.id === 'upload') {
    var sync = function () {
      var o = kind.options[kind.selectedIndex];
      var th = document.getElementById('thresholds');
      if (th) { th.hidden = !(o && o.getAttribute('data-threshold') === '1'); }
      var cb = document.getElementById('complete');
      if (cb) { var ok = !o || !o.value || o.getAttribute('data-complete') === '1'; cb.disabled = !ok; if (!ok) { cb.checked = false; } }
    };
    kind.addEventListener('change', sync);
    sync();
  }
  // confirm before destructive actions
  var c = document.querySelectorAll('[data-confirm]');
  for (var j = 0; j < c.length; j++) {
    c[j].addEventListener('submit', function (e) { if (!window.confirm(this.getAttribute('data-confirm'))) { e.preventDefault(); } });
  }
  // print button
  var p = document.querySelectorAll('[data-print]');
  for (var k = 0; k < p.length; k++) { p[k].addEventListener('click', function () { window.print(); }); }
})();
